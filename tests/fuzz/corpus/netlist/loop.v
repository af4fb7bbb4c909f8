// A combinational loop: rejected, naming the nets on the loop.
module loop (a, y);
  input a;
  output y;
  wire p, q;
  NAND2 g0 (.A(a), .B(q), .Y(p));
  INV g1 (.A(p), .Y(q));
  assign y = p;
endmodule
