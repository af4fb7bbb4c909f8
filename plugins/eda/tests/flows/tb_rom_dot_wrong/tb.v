// Test fixture, WRONG on purpose: the tb_rom_dot testbench with vector 7
// expecting one more than the design computes, so the shard that runs
// vector 7 mismatches and must fail the stage. Drives rom_dot through VECTORS
// computations (vector v: base = 5v mod 16, len = v mod 9) and checks each
// result against a reference computed from the same hex files the ROM
// models load ($readmemh from FLOWRUN_TBDIR). Shardable: with
// +flowrun_shard=i +flowrun_shards=N it runs only the vectors v with
// v % N == i (flowrun's sharding contract) and reports those.
module tb_rom_dot;
  localparam VECTORS = 40;
  reg clk = 1'b0, rst_n = 1'b0, start = 1'b0;
  reg [3:0] base = 4'd0, len = 4'd0;
  wire busy, done;
  wire [17:0] result;
  reg [7:0] ref_a [0:15];
  reg [5:0] ref_b [0:7];
  reg [17:0] expected;
  integer v, k, shard, shards, vectors, mismatches, cycles;
  rom_dot dut (.clk(clk), .rst_n(rst_n), .start(start), .base(base), .len(len),
               .busy(busy), .done(done), .result(result));
  always #5 clk = ~clk;
  always @(posedge clk) cycles = cycles + 1;
  initial begin
    if ($test$plusargs("vcd")) begin
      $dumpfile("dump.vcd");
      $dumpvars(0, tb_rom_dot);
    end
    if (!$value$plusargs("flowrun_shard=%d", shard)) shard = 0;
    if (!$value$plusargs("flowrun_shards=%d", shards)) shards = 1;
    $readmemh({`FLOWRUN_TBDIR, "rom_a.hex"}, ref_a);
    $readmemh({`FLOWRUN_TBDIR, "rom_b.hex"}, ref_b);
    vectors = 0; mismatches = 0; cycles = 0;
    #12 rst_n = 1'b1;
    for (v = 0; v < VECTORS; v = v + 1) begin
      if (v % shards == shard) begin
        @(negedge clk);
        base = (5 * v) % 16;
        len = v % 9;
        expected = 18'd0;
        for (k = 0; k < len; k = k + 1)
          expected = expected + ref_a[(base + k) % 16] * ref_b[(base + k) % 8];
        if (v == 7) expected = expected + 18'd1;  // deliberately wrong: vector 7 must mismatch
        start = 1'b1;
        @(negedge clk) start = 1'b0;
        while (!done) @(negedge clk);
        vectors = vectors + 1;
        if (result !== expected) begin
          mismatches = mismatches + 1;
          $display("MISMATCH vector %0d: base %0d len %0d result %0d expected %0d", v, base, len, result, expected);
        end
      end
    end
    $display("FLOWRUN_RESULT {\"status\":\"%s\",\"vectors\":%0d,\"mismatches\":%0d,\"cycles\":%0d}",
             mismatches == 0 ? "PASS" : "FAIL", vectors, mismatches, cycles);
    $finish;
  end
endmodule
