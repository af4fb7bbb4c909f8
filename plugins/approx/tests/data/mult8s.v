// Exact 8x8 signed multiplier: the RTL from which the seed netlist
// mult8s_seed.v is synthesized (see make_seed.ys).
module mult8s (
    input  signed [7:0]  a,
    input  signed [7:0]  b,
    output signed [15:0] y
);
  assign y = a * b;
endmodule
