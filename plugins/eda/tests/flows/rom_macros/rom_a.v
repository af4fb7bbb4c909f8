// rom_a: single-port SRAM macro, 16 words x 8 bits.
// Behavioural model written by flowrun_sram (plugins/common/sram); synthesis
// keeps the macro a black box (its Liberty cell), so this is for simulation.
// rom_dot test design: operand A (plugins/eda/tests/flows/rom_dot.v)
// Synchronous read: dout is valid the cycle after a read (ce && !we) and
// holds its value otherwise; a write (ce && we) stores din at addr.
// Contents at time 0: rom_a.hex ($readmemh) in the testbench folder `FLOWRUN_TBDIR.
module rom_a (
    input  wire clk,
    input  wire ce,
    input  wire we,
    input  wire [3:0] addr,
    input  wire [7:0] din,
    output reg  [7:0] dout
);
  reg [7:0] mem [0:15];
`ifdef FLOWRUN_TBDIR
  initial $readmemh({`FLOWRUN_TBDIR, "rom_a.hex"}, mem);
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
