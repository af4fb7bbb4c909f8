// Test fixture: counter4 with a deliberate bug (counts by 3 when count
// is 5), for the non-equivalence test.
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
      if (en) count <= count + ((count == 4'd5) ? 4'd3 : 4'd1);
    end
endmodule
