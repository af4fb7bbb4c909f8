// Test fixture: drives counter4 for 40 cycles with a pseudo-random enable
// and checks (deliberately wrongly: a step of 2) count and last against a reference model; reads nothing from
// FLOWRUN_TBDIR but writes trace.txt in the working folder.
module tb_counter4;
  reg clk = 1'b0, rst_n = 1'b0, en = 1'b0;
  wire [3:0] count, last;
  reg [3:0] ref_count, ref_last;
  reg [7:0] lfsr;
  integer cycle, vectors, mismatches, fd;
  counter4 dut (.clk(clk), .rst_n(rst_n), .en(en), .count(count), .last(last));
  always #5 clk = ~clk;
  initial begin
    if ($test$plusargs("vcd")) begin
      $dumpfile("dump.vcd");
      $dumpvars(0, tb_counter4);
    end
    fd = $fopen("trace.txt", "w");
    vectors = 0; mismatches = 0; lfsr = 8'h5a;
    ref_count = 4'd0; ref_last = 4'd0;
    #12 rst_n = 1'b1;
    for (cycle = 0; cycle < 40; cycle = cycle + 1) begin
      @(negedge clk);
      if (count !== ref_count || last !== ref_last) mismatches = mismatches + 1;
      vectors = vectors + 1;
      $fdisplay(fd, "%0d %0d %0d", cycle, count, last);
      lfsr = {lfsr[6:0], lfsr[7] ^ lfsr[5] ^ lfsr[4] ^ lfsr[3]};
      en = lfsr[0];
      @(posedge clk);
      ref_last = ref_count;
      if (en) ref_count = ref_count + 4'd2;
    end
    $fclose(fd);
    $display("FLOWRUN_RESULT {\"status\":\"%s\",\"vectors\":%0d,\"mismatches\":%0d,\"cycles\":%0d}",
             mismatches == 0 ? "PASS" : "FAIL", vectors, mismatches, cycle);
    $finish;
  end
endmodule
