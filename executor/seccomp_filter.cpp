#include "executor/seccomp_filter.hpp"

#include <linux/seccomp.h>
#include <sched.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <limits>
#include <string>

#include "base/error.hpp"

namespace mab::executor {

namespace {

// The namespace flags Docker's profile refuses in clone's flags.
constexpr uint32_t k_namespace_flags =
    CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;

constexpr uint32_t k_offset_nr = offsetof(seccomp_data, nr);
constexpr uint32_t k_offset_arch = offsetof(seccomp_data, arch);
// The low 32 bits of the first argument (all targets here are little-endian); the
// kernel reads clone's flags, personality's persona and socket's domain as 32 bits.
constexpr uint32_t k_offset_arg0 = offsetof(seccomp_data, args);

// A classic BPF program with forward jumps to labels, resolved by finish().
class Assembler {
public:
    using Label = size_t;
    static constexpr Label k_next = std::numeric_limits<Label>::max();  // the following instruction

    Label new_label() {
        m_labels.push_back(k_unbound);
        return m_labels.size() - 1;
    }
    void bind(Label label) { m_labels[label] = m_code.size(); }

    void load(uint32_t offset) { emit(BPF_LD | BPF_W | BPF_ABS, offset, k_next, k_next); }
    void ret(uint32_t action) { emit(BPF_RET | BPF_K, action, k_next, k_next); }
    void jump_if_equal(uint32_t value, Label yes, Label no = k_next) { emit(BPF_JMP | BPF_JEQ | BPF_K, value, yes, no); }
    void jump_if_any_bit(uint32_t bits, Label yes, Label no) { emit(BPF_JMP | BPF_JSET | BPF_K, bits, yes, no); }
    void jump(Label to) { emit(BPF_JMP | BPF_JA, 0, to, k_next); }

    std::vector<sock_filter> finish() const {
        std::vector<sock_filter> out;
        for (size_t i = 0; i < m_code.size(); ++i) {
            const Instruction& in = m_code[i];
            sock_filter f{in.code, 0, 0, in.k};
            if (BPF_CLASS(in.code) == BPF_JMP && BPF_OP(in.code) == BPF_JA) {
                f.k = static_cast<uint32_t>(offset(i, in.jt, std::numeric_limits<uint32_t>::max()));
            } else if (BPF_CLASS(in.code) == BPF_JMP) {
                f.jt = static_cast<uint8_t>(offset(i, in.jt, 255));
                f.jf = static_cast<uint8_t>(offset(i, in.jf, 255));
            }
            out.push_back(f);
        }
        if (out.size() > BPF_MAXINSNS) throw Error(ErrorKind::internal, "seccomp filter: too many instructions");
        return out;
    }

private:
    static constexpr size_t k_unbound = std::numeric_limits<size_t>::max();
    struct Instruction {
        uint16_t code;
        uint32_t k;
        Label jt;
        Label jf;
    };

    void emit(uint32_t code, uint32_t k, Label jt, Label jf) {
        m_code.push_back(Instruction{static_cast<uint16_t>(code), k, jt, jf});
    }

    size_t offset(size_t at, Label target, size_t max) const {
        if (target == k_next) return 0;
        const size_t to = m_labels.at(target);
        if (to == k_unbound || to <= at || to - at - 1 > max)
            throw Error(ErrorKind::internal, "seccomp filter: jump out of range at instruction " + std::to_string(at));
        return to - at - 1;
    }

    std::vector<Instruction> m_code;
    std::vector<size_t> m_labels;
};

// The branch for one audit architecture: dispatch on the number, then the argument
// checks, each ending in a return.
void emit_arch_branch(Assembler& a, const std::vector<const SyscallAbi*>& abis) {
    const Assembler::Label deny = a.new_label(), nosys = a.new_label(), allow = a.new_label();
    const Assembler::Label clone = a.new_label(), personality = a.new_label(), socket = a.new_label();
    a.load(k_offset_nr);
    for (const SyscallAbi* abi : abis) {
        for (int nr : abi->denied) a.jump_if_equal(static_cast<uint32_t>(nr), deny);
        if (abi->clone >= 0) a.jump_if_equal(static_cast<uint32_t>(abi->clone), clone);
        if (abi->clone3 >= 0) a.jump_if_equal(static_cast<uint32_t>(abi->clone3), nosys);
        if (abi->personality >= 0) a.jump_if_equal(static_cast<uint32_t>(abi->personality), personality);
        if (abi->socket >= 0) a.jump_if_equal(static_cast<uint32_t>(abi->socket), socket);
    }
    a.jump(allow);

    a.bind(clone);
    a.load(k_offset_arg0);
    a.jump_if_any_bit(k_namespace_flags, deny, allow);

    a.bind(personality);
    a.load(k_offset_arg0);
    for (uint32_t value : k_allowed_personalities) a.jump_if_equal(value, allow);
    a.jump(deny);

    a.bind(socket);
    a.load(k_offset_arg0);
    a.jump_if_equal(AF_VSOCK, deny, allow);

    a.bind(deny);
    a.ret(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
    a.bind(nosys);
    a.ret(SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
    a.bind(allow);
    a.ret(SECCOMP_RET_ALLOW);
}

} // namespace

std::vector<SyscallAbi> host_syscall_abis() {
#if defined(__x86_64__)
    return {x86_64_syscall_abi(), x32_syscall_abi(), i386_syscall_abi()};
#else
    return {};
#endif
}

std::vector<sock_filter> build_seccomp_filter(const std::vector<SyscallAbi>& abis) {
    if (abis.empty()) return {};
    // Group the ABIs by audit architecture, in first-seen order (x86_64 and x32 share one).
    std::vector<std::vector<const SyscallAbi*>> groups;
    for (const SyscallAbi& abi : abis) {
        auto same = [&](const std::vector<const SyscallAbi*>& g) { return g.front()->audit_arch == abi.audit_arch; };
        auto it = std::find_if(groups.begin(), groups.end(), same);
        if (it == groups.end()) groups.push_back({&abi});
        else it->push_back(&abi);
    }
    Assembler a;
    a.load(k_offset_arch);
    for (const std::vector<const SyscallAbi*>& group : groups) {
        const Assembler::Label other_arch = a.new_label();
        a.jump_if_equal(group.front()->audit_arch, Assembler::k_next, other_arch);
        emit_arch_branch(a, group);
        a.bind(other_arch);
    }
    a.ret(SECCOMP_RET_KILL_PROCESS);
    return a.finish();
}

} // namespace mab::executor
