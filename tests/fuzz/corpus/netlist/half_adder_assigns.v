// Half adder with a bus, part selects, a concatenation and constants.
module half_adder (a, b, s);
  input [1:0] a;
  input b;
  output [3:0] s;
  wire n1, n2;
  wire [1:0] bus;
  XOR2 x0 (.A(a[0]), .B(b), .Y(n1));
  AND2 g1 (.A(a[0]), .B(b), .Y(n2));
  NAND2 \esc$name (.A(a[1]), .B(n2), .Y(bus[1]));
  INV i0 (.A(n1), .Y(bus[0]));
  assign s[1:0] = bus;
  assign s[3:2] = {1'b0, n1};
endmodule
