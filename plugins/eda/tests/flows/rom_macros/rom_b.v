// rom_b: single-port SRAM macro, 8 words x 6 bits.
// Behavioural model written by flowrun_sram (plugins/common/sram); synthesis
// keeps the macro a black box (its Liberty cell), so this is for simulation.
// rom_dot test design: operand B, read at addr[2:0]
// Synchronous read: dout is valid the cycle after a read (ce && !we) and
// holds its value otherwise; a write (ce && we) stores din at addr.
// Contents at time 0: rom_b.hex ($readmemh) in the testbench folder `FLOWRUN_TBDIR.
module rom_b (
    input  wire clk,
    input  wire ce,
    input  wire we,
    input  wire [2:0] addr,
    input  wire [5:0] din,
    output reg  [5:0] dout
);
  reg [5:0] mem [0:7];
`ifdef FLOWRUN_TBDIR
  initial $readmemh({`FLOWRUN_TBDIR, "rom_b.hex"}, mem);
`endif
  always @(posedge clk) begin
    if (ce) begin
      /* verilator lint_off BLKSEQ */
      if (we) mem[addr] = din;  // mem is read only here, never in the same cycle
      /* verilator lint_on BLKSEQ */
      else dout <= mem[addr];
    end
  end
endmodule
