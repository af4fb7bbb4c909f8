// Test fixture: a decoder-like datapath for verify.equiv -- a 4-tap FIR
// with 16-bit constant coefficients into a 48-bit accumulator, registers
// with asynchronous active-low reset.
module mac4 (
  input  wire               clk,
  input  wire               rst_n,
  input  wire signed [15:0] x,
  output reg  signed [47:0] acc,
  output wire               sign
);
  reg signed [15:0] h1, h2, h3;
  always @(posedge clk or negedge rst_n)
    if (!rst_n) begin
      acc <= 48'sd0;
      h1 <= 16'sd0;
      h2 <= 16'sd0;
      h3 <= 16'sd0;
    end else begin
      h1 <= x;
      h2 <= h1;
      h3 <= h2;
      acc <= acc + x * 16'sd12345 + h1 * -16'sd3210 + h2 * 16'sd777 + h3 * 16'sd31011;
    end
  assign sign = acc[47];
endmodule
