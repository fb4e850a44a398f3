#include "bpf_eval.hpp"

#include <array>
#include <cstddef>
#include <cstring>

namespace hermetic::bpf_eval {
namespace {

Fault fault(std::size_t pc, const sock_filter& insn, const char* why) {
  return Fault{"instruction " + std::to_string(pc) + " (code " + std::to_string(insn.code) +
               ", k " + std::to_string(insn.k) + "): " + why};
}

// The kernel turns BPF_LD|BPF_W|BPF_ABS into a 32-bit load from seccomp_data (native byte
// order), aligned and inside the struct; every other size or mode is refused.
bool load_word(const seccomp_data& data, std::uint32_t offset, std::uint32_t& out) {
  if (offset % 4 != 0 || offset > sizeof data - 4) return false;
  std::array<unsigned char, sizeof data> bytes{};
  std::memcpy(bytes.data(), &data, sizeof data);
  std::memcpy(&out, bytes.data() + offset, sizeof out);
  return true;
}

// ALU op on A with operand `src`; false for an unknown op or a division by zero (which the
// kernel answers by returning 0, i.e. killing the thread: never what a filter means).
bool alu(std::uint16_t op, std::uint32_t& a, std::uint32_t src) {
  switch (op) {
    case BPF_ADD:
      a += src;
      return true;
    case BPF_SUB:
      a -= src;
      return true;
    case BPF_MUL:
      a *= src;
      return true;
    case BPF_DIV:
      if (src == 0) return false;
      a /= src;
      return true;
    case BPF_MOD:
      if (src == 0) return false;
      a %= src;
      return true;
    case BPF_AND:
      a &= src;
      return true;
    case BPF_OR:
      a |= src;
      return true;
    case BPF_XOR:
      a ^= src;
      return true;
    case BPF_LSH:
      a = src >= 32 ? 0 : a << src;
      return true;
    case BPF_RSH:
      a = src >= 32 ? 0 : a >> src;
      return true;
    case BPF_NEG:
      a = 0U - a;
      return true;
    default:
      return false;
  }
}

}  // namespace

Outcome run(std::span<const sock_filter> program, const seccomp_data& data) {
  std::uint32_t a = 0;
  std::uint32_t x = 0;
  std::array<std::uint32_t, BPF_MEMWORDS> mem{};
  std::array<bool, BPF_MEMWORDS> written{};
  std::size_t pc = 0;
  while (pc < program.size()) {
    const sock_filter& insn = program[pc];
    const std::uint16_t cls = BPF_CLASS(insn.code);
    switch (cls) {
      case BPF_LD:
      case BPF_LDX: {
        std::uint32_t& dst = cls == BPF_LD ? a : x;
        const std::uint16_t mode = BPF_MODE(insn.code);
        if (insn.code == (BPF_LD | BPF_W | BPF_ABS)) {
          if (!load_word(data, insn.k, a)) return fault(pc, insn, "load outside seccomp_data");
        } else if (mode == BPF_IMM && BPF_SIZE(insn.code) == BPF_W) {
          dst = insn.k;
        } else if (mode == BPF_MEM && BPF_SIZE(insn.code) == BPF_W) {
          if (insn.k >= BPF_MEMWORDS || !written[insn.k]) {
            return fault(pc, insn, "read of scratch memory never written");
          }
          dst = mem[insn.k];
        } else if (mode == BPF_LEN && BPF_SIZE(insn.code) == BPF_W) {
          dst = sizeof data;
        } else {
          return fault(pc, insn, "load mode seccomp does not allow");
        }
        ++pc;
        break;
      }
      case BPF_ST:
      case BPF_STX:
        if (insn.code != cls) return fault(pc, insn, "unknown store");
        if (insn.k >= BPF_MEMWORDS) return fault(pc, insn, "store outside scratch memory");
        mem[insn.k] = cls == BPF_ST ? a : x;
        written[insn.k] = true;
        ++pc;
        break;
      case BPF_ALU: {
        const std::uint16_t op = BPF_OP(insn.code);
        const std::uint32_t src = BPF_SRC(insn.code) == BPF_X ? x : insn.k;
        if (op == BPF_NEG && BPF_SRC(insn.code) != BPF_K) return fault(pc, insn, "unknown ALU");
        if (!alu(op, a, src)) return fault(pc, insn, "unknown ALU op or division by zero");
        ++pc;
        break;
      }
      case BPF_JMP: {
        const std::uint16_t op = BPF_OP(insn.code);
        std::size_t next = pc + 1;
        if (op == BPF_JA) {
          if (BPF_SRC(insn.code) != BPF_K) return fault(pc, insn, "unknown jump");
          next += insn.k;
        } else {
          const std::uint32_t src = BPF_SRC(insn.code) == BPF_X ? x : insn.k;
          bool taken = false;
          switch (op) {
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
              return fault(pc, insn, "unknown jump");
          }
          next += taken ? insn.jt : insn.jf;
        }
        if (next >= program.size()) return fault(pc, insn, "jump past the end");
        pc = next;
        break;
      }
      case BPF_RET:
        if (insn.code == (BPF_RET | BPF_K)) return insn.k;
        if (insn.code == (BPF_RET | BPF_A)) return a;
        return fault(pc, insn, "unknown return");
      case BPF_MISC:
        if (insn.code == (BPF_MISC | BPF_TAX)) {
          x = a;
        } else if (insn.code == (BPF_MISC | BPF_TXA)) {
          a = x;
        } else {
          return fault(pc, insn, "unknown misc op");
        }
        ++pc;
        break;
      default:
        return fault(pc, insn, "unknown instruction class");
    }
  }
  return Fault{"the program ends without a return"};
}

}  // namespace hermetic::bpf_eval
