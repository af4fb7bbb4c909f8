// Exact 4x4 unsigned multiplier: the RTL of the small test seed mult4u_seed.v.
module mult4u (
    input  [3:0] a,
    input  [3:0] b,
    output [7:0] y
);
  assign y = a * b;
endmodule
