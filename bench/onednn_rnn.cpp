// onednn_rnn.cpp - the training peer: oneDNN's own RNN primitives (Debian's
// libdnnl-dev, 2.6), forward (training) + backward data and weights, the
// shapes of bench/train_speed.c: batch 64, sequence 100, one-hot input of
// the corpus's vocabulary (fed to oneDNN as a dense [T][B][V] tensor: oneDNN
// has no gather), then layers of H units; the weights in the layouts oneDNN
// chooses (format "any"), reordered from the forward to the backward layout
// every step as oneDNN's own training example does. Not timed: no output
// layer, loss or optimizer (recur's tokens/s include them), so this column
// flatters oneDNN slightly. Threads: OpenMP's (OMP_NUM_THREADS, set by
// bench/run.sh). Built and run by bench/run.sh only when libdnnl-dev is
// installed:
//   onednn_rnn CELL HIDDEN LAYERS BATCH SEQ STEPS VOCAB [--bidir] [--cpu-time]
// (--cpu-time with OMP_NUM_THREADS=1: the thread's CPU time, as
// train_speed --cpu-time, for comparisons on a loaded machine)
// prints "train CELL [bidir ]LxH onednn-Nt tok_s V" (N from OMP_NUM_THREADS).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

static bool cpu_time;

static double now()
{
    timespec ts;
    clock_gettime(cpu_time ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

enum Cell { LSTM, GRU, RNN };

struct Layer {
    primitive fwd, bwd;
    std::unordered_map<int, memory> fargs, bargs;
    memory wl_fwd, wi_fwd, wl_bwd, wi_bwd; // weights in each pass's layout
};

static memory filled(const memory::desc &md, const engine &eng, float v)
{
    memory m(md, eng);
    size_t n = md.get_size() / sizeof(float);
    float *p = static_cast<float *>(m.get_data_handle());
    for (size_t i = 0; i < n; i++)
        p[i] = v * (float)((i * 7919) % 13 - 6);
    return m;
}

int main(int argc, char **argv)
{
    if (argc < 8) {
        std::fprintf(stderr, "usage: onednn_rnn lstm|gru|rnn_tanh HIDDEN LAYERS BATCH SEQ STEPS VOCAB [--bidir]\n");
        return 2;
    }
    std::string cs = argv[1];
    Cell cell = cs == "lstm" ? LSTM : cs == "gru" ? GRU : RNN;
    int H = std::atoi(argv[2]), L = std::atoi(argv[3]), N = std::atoi(argv[4]);
    int T = std::atoi(argv[5]), steps = std::atoi(argv[6]), V = std::atoi(argv[7]);
    bool bidir = false;
    for (int i = 8; i < argc; i++) {
        if (!std::strcmp(argv[i], "--bidir"))
            bidir = true;
        else if (!std::strcmp(argv[i], "--cpu-time"))
            cpu_time = true;
        else {
            std::fprintf(stderr, "onednn_rnn: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    int D = bidir ? 2 : 1, G = cell == LSTM ? 4 : cell == GRU ? 3 : 1;
    if (H < 1 || L < 1 || N < 1 || T < 1 || steps < 1 || V < 1) {
        std::fprintf(stderr, "onednn_rnn: bad sizes\n");
        return 2;
    }
    engine eng(engine::kind::cpu, 0);
    stream s(eng);
    auto dir = bidir ? rnn_direction::bidirectional_concat : rnn_direction::unidirectional_left2right;
    std::vector<Layer> layers(L);
    std::vector<memory> acts; // acts[l]: input of layer l, acts[L]: output
    acts.push_back(filled(memory::desc({T, N, V}, dt::f32, tag::tnc), eng, 0.01f));
    for (int l = 0; l < L; l++) {
        int C = l == 0 ? V : D * H;
        memory::desc src({T, N, C}, dt::f32, tag::tnc), dst({T, N, D * H}, dt::f32, tag::tnc);
        memory::desc iter({1, D, N, H}, dt::f32, tag::ldnc);
        memory::desc wl({1, D, C, G, H}, dt::f32, tag::any), wi({1, D, H, G, H}, dt::f32, tag::any);
        memory::desc bias({1, D, G, H}, dt::f32, tag::ldgo);
        Layer &ly = layers[l];
        primitive_desc_base *fpd = nullptr, *bpd = nullptr;
        lstm_forward::primitive_desc lf;
        lstm_backward::primitive_desc lb;
        gru_forward::primitive_desc gf;
        gru_backward::primitive_desc gb;
        vanilla_rnn_forward::primitive_desc rf;
        vanilla_rnn_backward::primitive_desc rb;
        auto fk = prop_kind::forward_training;
        if (cell == LSTM) {
            lf = lstm_forward::primitive_desc(
                lstm_forward::desc(fk, dir, src, iter, iter, wl, wi, bias, dst, iter, iter), eng);
            lb = lstm_backward::primitive_desc(
                lstm_backward::desc(prop_kind::backward, dir, src, iter, iter, wl, wi, bias, dst, iter,
                                    iter, src, iter, iter, wl, wi, bias, dst, iter, iter),
                eng, lf);
            ly.fwd = lstm_forward(lf), ly.bwd = lstm_backward(lb), fpd = &lf, bpd = &lb;
        } else if (cell == GRU) {
            gf = gru_forward::primitive_desc(gru_forward::desc(fk, dir, src, iter, wl, wi, bias, dst, iter), eng);
            gb = gru_backward::primitive_desc(
                gru_backward::desc(prop_kind::backward, dir, src, iter, wl, wi, bias, dst, iter, src, iter,
                                   wl, wi, bias, dst, iter),
                eng, gf);
            ly.fwd = gru_forward(gf), ly.bwd = gru_backward(gb), fpd = &gf, bpd = &gb;
        } else {
            auto act = algorithm::eltwise_tanh;
            rf = vanilla_rnn_forward::primitive_desc(
                vanilla_rnn_forward::desc(fk, act, dir, src, iter, wl, wi, bias, dst, iter), eng);
            rb = vanilla_rnn_backward::primitive_desc(
                vanilla_rnn_backward::desc(prop_kind::backward, act, dir, src, iter, wl, wi, bias, dst, iter,
                                           src, iter, wl, wi, bias, dst, iter),
                eng, rf);
            ly.fwd = vanilla_rnn_forward(rf), ly.bwd = vanilla_rnn_backward(rb), fpd = &rf, bpd = &rb;
        }
        acts.push_back(memory(dst, eng));
        // Every argument each primitive takes, allocated in its layout.
        const int fwd_args[] = {DNNL_ARG_SRC_ITER, DNNL_ARG_SRC_ITER_C, DNNL_ARG_BIAS,
                                DNNL_ARG_DST_ITER, DNNL_ARG_DST_ITER_C, DNNL_ARG_WORKSPACE};
        for (int a : fwd_args) {
            memory::desc md = fpd->query_md(query::exec_arg_md, a);
            if (md.get_size())
                ly.fargs[a] = filled(md, eng, 0.01f);
        }
        ly.wl_fwd = filled(fpd->weights_desc(0), eng, 0.01f);
        ly.wi_fwd = filled(fpd->weights_desc(1), eng, 0.01f);
        ly.fargs[DNNL_ARG_WEIGHTS_LAYER] = ly.wl_fwd;
        ly.fargs[DNNL_ARG_WEIGHTS_ITER] = ly.wi_fwd;
        ly.fargs[DNNL_ARG_SRC_LAYER] = acts[l];
        ly.fargs[DNNL_ARG_DST_LAYER] = acts[l + 1];
        ly.wl_bwd = memory(bpd->weights_desc(0), eng);
        ly.wi_bwd = memory(bpd->weights_desc(1), eng);
        ly.bargs = ly.fargs;
        ly.bargs[DNNL_ARG_WEIGHTS_LAYER] = ly.wl_bwd;
        ly.bargs[DNNL_ARG_WEIGHTS_ITER] = ly.wi_bwd;
        const int bwd_args[] = {DNNL_ARG_DIFF_SRC_LAYER, DNNL_ARG_DIFF_SRC_ITER, DNNL_ARG_DIFF_SRC_ITER_C,
                                DNNL_ARG_DIFF_WEIGHTS_LAYER, DNNL_ARG_DIFF_WEIGHTS_ITER, DNNL_ARG_DIFF_BIAS,
                                DNNL_ARG_DIFF_DST_LAYER, DNNL_ARG_DIFF_DST_ITER, DNNL_ARG_DIFF_DST_ITER_C};
        for (int a : bwd_args) {
            memory::desc md = bpd->query_md(query::exec_arg_md, a);
            if (md.get_size())
                ly.bargs[a] = filled(md, eng, 0.001f);
        }
    }
    std::vector<double> rate;
    for (int step = 0; step <= steps; step++) { // step 0: warm-up
        double t0 = now();
        for (int l = 0; l < L; l++)
            layers[l].fwd.execute(s, layers[l].fargs);
        for (int l = L - 1; l >= 0; l--) {
            Layer &ly = layers[l];
            reorder(ly.wl_fwd, ly.wl_bwd).execute(s, ly.wl_fwd, ly.wl_bwd);
            reorder(ly.wi_fwd, ly.wi_bwd).execute(s, ly.wi_fwd, ly.wi_bwd);
            ly.bwd.execute(s, ly.bargs);
        }
        s.wait();
        if (step > 0)
            rate.push_back((double)T * N / (now() - t0));
    }
    std::sort(rate.begin(), rate.end());
    const char *omp = std::getenv("OMP_NUM_THREADS");
    std::printf("train\t%s %s%dx%d\tonednn-%st\ttok_s\t%.0f\n", argv[1], bidir ? "bidir " : "", L, H,
                omp ? omp : "?", rate[rate.size() / 2]);
    return 0;
}
