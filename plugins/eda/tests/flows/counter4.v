// Test fixture for flowrun's eda stages: a 4-bit counter with enable,
// asynchronous active-low reset and a one-cycle delayed copy.
module counter4 (
  input  wire       clk,
  input  wire       rst_n,
  input  wire       en,
  output reg  [3:0] count,
  output reg  [3:0] last
);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) begin
      count <= 4'd0;
      last <= 4'd0;
    end else begin
      last <= count;
      if (en) count <= count + 4'd1;
    end
endmodule
