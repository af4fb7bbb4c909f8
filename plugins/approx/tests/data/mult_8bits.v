// Exact 8x8 unsigned multiplier with the port and module names of a
// user-supplied seed (A, B -> OUT, module mult_8bits): the approx.ga tests
// check that such a netlist is taken as it is.
module mult_8bits (
    input  wire [7:0]  A,
    input  wire [7:0]  B,
    output wire [15:0] OUT
);
  assign OUT = A * B;
endmodule
