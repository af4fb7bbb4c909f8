// Verilog models of the cells of pdk_cells.lib (approx.ga test fixture).
`timescale 1ns/1ps
module PDK_BUF_X1 (I, Z);
  input I;
  output Z;
  assign Z = I;
endmodule
module PDK_INV_X1 (I, ZN);
  input I;
  output ZN;
  assign ZN = ~I;
endmodule
module PDK_NAND2_X1 (A1, A2, ZN);
  input A1, A2;
  output ZN;
  assign ZN = ~(A1 & A2);
endmodule
module PDK_NOR2_X1 (A1, A2, ZN);
  input A1, A2;
  output ZN;
  assign ZN = ~(A1 | A2);
endmodule
module PDK_AND2_X1 (A1, A2, Z);
  input A1, A2;
  output Z;
  assign Z = A1 & A2;
endmodule
module PDK_OR2_X1 (A1, A2, Z);
  input A1, A2;
  output Z;
  assign Z = A1 | A2;
endmodule
module PDK_XOR2_X1 (A1, A2, Z);
  input A1, A2;
  output Z;
  assign Z = A1 ^ A2;
endmodule
module PDK_XNOR2_X1 (A1, A2, ZN);
  input A1, A2;
  output ZN;
  assign ZN = ~(A1 ^ A2);
endmodule
