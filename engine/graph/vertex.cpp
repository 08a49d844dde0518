#include "engine/graph/vertex.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

namespace mab::engine::graph {

namespace {

oci::Digest compute_digest(const Op& op, const std::vector<VertexRef>& inputs) {
    oci::Sha256 hash;
    hash.update("mab.vertex.v1\n");
    hash.update(describe_op(op));
    hash.update("\n");
    for (const VertexRef& input : inputs) {
        hash.update("input ");
        hash.update(input->digest().str());
        hash.update("\n");
    }
    return hash.finish();
}

} // namespace

Vertex::Vertex(Op op, std::vector<VertexRef> inputs, VertexMeta meta)
    : m_op(std::move(op)), m_inputs(std::move(inputs)), m_meta(std::move(meta)),
      m_digest(compute_digest(m_op, m_inputs)) {}

State State::scratch() {
    // One shared scratch vertex: every FROM scratch is the same empty filesystem.
    static const VertexRef k_scratch =
        std::make_shared<const Vertex>(ScratchSource{}, std::vector<VertexRef>{}, VertexMeta{});
    return State(k_scratch);
}

State State::local(LocalSource source, VertexMeta meta) {
    return State(std::make_shared<const Vertex>(std::move(source), std::vector<VertexRef>{},
                                                std::move(meta)));
}

State State::image(ImageSource source, VertexMeta meta) {
    return State(std::make_shared<const Vertex>(std::move(source), std::vector<VertexRef>{},
                                                std::move(meta)));
}

State State::http(HttpSource source, VertexMeta meta) {
    return State(std::make_shared<const Vertex>(std::move(source), std::vector<VertexRef>{},
                                                std::move(meta)));
}

State State::git(GitSource source, VertexMeta meta) {
    return State(std::make_shared<const Vertex>(std::move(source), std::vector<VertexRef>{},
                                                std::move(meta)));
}

State State::file(FileOp op, const std::vector<State>& sources, VertexMeta meta) const {
    std::vector<VertexRef> inputs{m_vertex};
    for (const State& s : sources) inputs.push_back(s.vertex());
    return State(std::make_shared<const Vertex>(std::move(op), std::move(inputs), std::move(meta)));
}

State State::merge(const std::vector<State>& layers, VertexMeta meta) const {
    std::vector<VertexRef> inputs{m_vertex};
    for (const State& s : layers) inputs.push_back(s.vertex());
    return State(std::make_shared<const Vertex>(MergeOp{}, std::move(inputs), std::move(meta)));
}

State State::exec(ExecOp op, VertexMeta meta, const std::vector<State>& mount_sources) const {
    std::vector<VertexRef> inputs{m_vertex};
    for (const State& s : mount_sources) inputs.push_back(s.vertex());
    return State(std::make_shared<const Vertex>(std::move(op), std::move(inputs), std::move(meta)));
}

bool State::is_scratch() const { return std::holds_alternative<ScratchSource>(m_vertex->op()); }

std::string dump_graph(const std::vector<VertexRef>& roots) {
    std::map<oci::Digest, int> numbers;
    std::string out;
    // Iterative post-order so deep graphs cannot overflow the stack.
    struct Frame {
        const Vertex* vertex;
        size_t next_input;
    };
    for (const VertexRef& root : roots) {
        std::vector<Frame> stack{{root.get(), 0}};
        std::set<oci::Digest> on_stack{root->digest()};
        while (!stack.empty()) {
            Frame& top = stack.back();
            if (numbers.count(top.vertex->digest())) {
                on_stack.erase(top.vertex->digest());
                stack.pop_back();
                continue;
            }
            if (top.next_input < top.vertex->inputs().size()) {
                const Vertex* input = top.vertex->inputs()[top.next_input++].get();
                if (!numbers.count(input->digest()) && !on_stack.count(input->digest())) {
                    on_stack.insert(input->digest());
                    stack.push_back({input, 0});
                }
                continue;
            }
            int number = static_cast<int>(numbers.size()) + 1;
            numbers[top.vertex->digest()] = number;
            std::string inputs;
            for (const VertexRef& input : top.vertex->inputs())
                inputs += fmt::format("{}v{}", inputs.empty() ? "" : " ", numbers.at(input->digest()));
            out += fmt::format("v{} [{}] {}\n", number, inputs, describe_op(top.vertex->op()));
            if (!top.vertex->meta().description.empty())
                out += fmt::format("   # {}\n", top.vertex->meta().description);
            on_stack.erase(top.vertex->digest());
            stack.pop_back();
        }
    }
    std::string root_list;
    for (const VertexRef& root : roots)
        root_list += fmt::format("{}v{}", root_list.empty() ? "" : " ", numbers.at(root->digest()));
    return out + "roots: " + root_list + "\n";
}

} // namespace mab::engine::graph
