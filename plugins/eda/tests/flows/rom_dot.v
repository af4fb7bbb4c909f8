// Test design for SRAM macros: the dot product of two ROM windows,
//   result = sum over k < len of A[(base+k) mod 16] * B[(base+k) mod 8],
// with A and B in the single-port ROM macros rom_a (16 x 8) and rom_b
// (8 x 6) of flows/rom_macros/ (written by flowrun_sram; contents from the
// testbench folder). A pulse on `start` begins a computation; `done`
// pulses with `result` valid, `busy` is high in between. The ROMs read
// synchronously: a word addressed in one cycle arrives in the next, so the
// multiply-accumulate runs one cycle behind the address.
module rom_dot (
    input  wire        clk,
    input  wire        rst_n,
    input  wire        start,
    input  wire [3:0]  base,
    input  wire [3:0]  len,
    output reg         busy,
    output reg         done,
    output reg  [17:0] result
);
  reg  [3:0]  addr;
  reg  [3:0]  left;      // words still to address
  reg         valid;     // the ROM outputs hold a word addressed last cycle
  reg  [17:0] acc;
  wire [7:0]  a;
  wire [5:0]  b;
  wire        read = busy && left != 4'd0;

  rom_a u_rom_a (.clk(clk), .ce(read), .we(1'b0), .addr(addr), .din(8'd0), .dout(a));
  rom_b u_rom_b (.clk(clk), .ce(read), .we(1'b0), .addr(addr[2:0]), .din(6'd0), .dout(b));

  always @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      busy <= 1'b0;
      done <= 1'b0;
      result <= 18'd0;
      addr <= 4'd0;
      left <= 4'd0;
      valid <= 1'b0;
      acc <= 18'd0;
    end else begin
      done <= 1'b0;
      if (!busy) begin
        if (start) begin
          busy <= 1'b1;
          addr <= base;
          left <= len;
          acc <= 18'd0;
          valid <= 1'b0;
        end
      end else begin
        if (valid) acc <= acc + a * b;
        valid <= read;
        if (read) begin
          addr <= addr + 4'd1;
          left <= left - 4'd1;
        end else if (!valid) begin
          busy <= 1'b0;
          done <= 1'b1;
          result <= acc;
        end
      end
    end
  end
endmodule
