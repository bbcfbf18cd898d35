#include "testing/bpf_evaluator.h"

#include <cstddef>
#include <cstring>

namespace cvlsm {
namespace {

// The subset of classic BPF the kernel accepts in seccomp filters (seccomp_check_filter):
// absolute word loads from seccomp_data, the scratch memory, ALU, jumps, returns.
bool Alu(uint16_t op, uint32_t& a, uint32_t operand) {
  switch (op) {
    case BPF_ADD:
      a += operand;
      return true;
    case BPF_SUB:
      a -= operand;
      return true;
    case BPF_MUL:
      a *= operand;
      return true;
    case BPF_DIV:
      if (operand == 0) return false;
      a /= operand;
      return true;
    case BPF_AND:
      a &= operand;
      return true;
    case BPF_OR:
      a |= operand;
      return true;
    case BPF_XOR:
      a ^= operand;
      return true;
    case BPF_LSH:
      a = operand >= 32 ? 0 : a << operand;
      return true;
    case BPF_RSH:
      a = operand >= 32 ? 0 : a >> operand;
      return true;
    case BPF_NEG:
      a = -a;
      return true;
  }
  return false;
}

}  // namespace

SeccompEvaluation EvaluateSeccompProgram(std::span<const sock_filter> program,
                                         const seccomp_data& data) {
  SeccompEvaluation result;
  uint32_t a = 0;
  uint32_t x = 0;
  uint32_t mem[BPF_MEMWORDS] = {};
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& insn = program[pc];
    ++result.instructions;
    const uint16_t cls = BPF_CLASS(insn.code);
    const uint32_t src = BPF_SRC(insn.code) == BPF_X ? x : insn.k;
    switch (cls) {
      case BPF_LD:
        if (insn.code == (BPF_LD | BPF_W | BPF_ABS)) {
          if (insn.k % 4 != 0 || insn.k + 4 > sizeof(data)) return result;
          std::memcpy(&a, reinterpret_cast<const char*>(&data) + insn.k, sizeof(a));
        } else if (insn.code == (BPF_LD | BPF_W | BPF_LEN)) {
          a = sizeof(data);
        } else if (insn.code == (BPF_LD | BPF_IMM)) {
          a = insn.k;
        } else if (insn.code == (BPF_LD | BPF_MEM) && insn.k < BPF_MEMWORDS) {
          a = mem[insn.k];
        } else {
          return result;
        }
        break;
      case BPF_LDX:
        if (insn.code == (BPF_LDX | BPF_W | BPF_LEN)) {
          x = sizeof(data);
        } else if (insn.code == (BPF_LDX | BPF_IMM)) {
          x = insn.k;
        } else if (insn.code == (BPF_LDX | BPF_MEM) && insn.k < BPF_MEMWORDS) {
          x = mem[insn.k];
        } else {
          return result;
        }
        break;
      case BPF_ST:
      case BPF_STX:
        if (insn.k >= BPF_MEMWORDS) return result;
        mem[insn.k] = cls == BPF_ST ? a : x;
        break;
      case BPF_ALU:
        if (!Alu(BPF_OP(insn.code), a, src)) return result;
        break;
      case BPF_JMP: {
        bool taken = false;
        switch (BPF_OP(insn.code)) {
          case BPF_JA:
            pc += insn.k;
            continue;
          case BPF_JEQ:
            taken = a == src;
            break;
          case BPF_JGT:
            taken = a > src;
            break;
          case BPF_JGE:
            taken = a >= src;
            break;
          case BPF_JSET:
            taken = (a & src) != 0;
            break;
          default:
            return result;
        }
        pc += taken ? insn.jt : insn.jf;
        break;
      }
      case BPF_RET:
        result.action = BPF_RVAL(insn.code) == BPF_A ? a : insn.k;
        result.valid = BPF_RVAL(insn.code) == BPF_A || BPF_RVAL(insn.code) == BPF_K;
        return result;
      case BPF_MISC:
        if (BPF_MISCOP(insn.code) == BPF_TAX) {
          x = a;
        } else if (BPF_MISCOP(insn.code) == BPF_TXA) {
          a = x;
        } else {
          return result;
        }
        break;
      default:
        return result;
    }
  }
  return result;  // ran off the end: the kernel refuses such programs
}

}  // namespace cvlsm
