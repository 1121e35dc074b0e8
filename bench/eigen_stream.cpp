// eigen_stream.cpp - the streaming peer: input 1 -> LSTM/GRU H -> Dense(1),
// batch 1, one step per sample, with Eigen fixed-size matrices (the sizes
// are template parameters, so every product is unrolled and vectorised at
// compile time). This is what RTNeural's compile-time Eigen backend runs
// (one W·x + U·h + b per step, element-wise gates on Eigen arrays); RTNeural
// itself is not a Debian package. Built by bench/run.sh only, with g++ -O3
// -march=native (as RTNeural's own benchmarks), when Debian's libeigen3-dev
// is installed:
//   eigen_stream CELL HIDDEN STEPS REPS [cpu]
// prints "stream CELL hH eigen-fixed s_per_48k SECONDS" like stream_speed.c.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

static double now_wall()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double now_cpu()
{
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

template <int N> static Eigen::Matrix<float, N, 1> sigmoid(const Eigen::Matrix<float, N, 1> &x)
{
    return (1.0f / (1.0f + (-x.array()).exp())).matrix();
}

template <int H> struct Lstm {
    Eigen::Matrix<float, 4 * H, 1> W, b; // input 1
    Eigen::Matrix<float, 4 * H, H> U;
    Eigen::Matrix<float, H, 1> h, c, d; // d: the Dense(1) weights
    float db = 0;
    float step(float x)
    {
        Eigen::Matrix<float, 4 * H, 1> g = W * x + U * h + b;
        Eigen::Matrix<float, H, 1> i = sigmoid<H>(g.template segment<H>(0));
        Eigen::Matrix<float, H, 1> f = sigmoid<H>(g.template segment<H>(H));
        Eigen::Matrix<float, H, 1> gg = g.template segment<H>(2 * H).array().tanh().matrix();
        Eigen::Matrix<float, H, 1> o = sigmoid<H>(g.template segment<H>(3 * H));
        c = (f.array() * c.array() + i.array() * gg.array()).matrix();
        h = (o.array() * c.array().tanh()).matrix();
        return d.dot(h) + db;
    }
};

template <int H> struct Gru {
    Eigen::Matrix<float, 3 * H, 1> W, bi, bh;
    Eigen::Matrix<float, 3 * H, H> U;
    Eigen::Matrix<float, H, 1> h, d;
    float db = 0;
    float step(float x)
    {
        Eigen::Matrix<float, 3 * H, 1> gx = W * x + bi, gh = U * h + bh;
        Eigen::Matrix<float, H, 1> r = sigmoid<H>(gx.template segment<H>(0) + gh.template segment<H>(0));
        Eigen::Matrix<float, H, 1> z = sigmoid<H>(gx.template segment<H>(H) + gh.template segment<H>(H));
        Eigen::Matrix<float, H, 1> n =
            (gx.template segment<H>(2 * H).array() + r.array() * gh.template segment<H>(2 * H).array())
                .tanh()
                .matrix();
        h = ((1.0f - z.array()) * n.array() + z.array() * h.array()).matrix();
        return d.dot(h) + db;
    }
};

template <int H> static void reset(Lstm<H> &n) { n.b.setZero(); n.c.setZero(); n.h.setZero(); }
template <int H> static void reset(Gru<H> &n) { n.bi.setZero(); n.bh.setZero(); n.h.setZero(); }

template <class Net> static void init(Net &net, float scale)
{
    // deterministic weights of PyTorch's scale U(-1/sqrt(H), 1/sqrt(H))
    unsigned s = 12345;
    auto u = [&]() {
        s = s * 1103515245u + 12345u;
        return ((s >> 8) / 8388608.0f * 2 - 1) * scale;
    };
    for (int i = 0; i < net.W.size(); i++) net.W.data()[i] = u();
    for (int i = 0; i < net.U.size(); i++) net.U.data()[i] = u();
    for (int i = 0; i < net.d.size(); i++) net.d.data()[i] = u();
    net.h.setZero();
    reset(net);
}

template <class Net> static double run(int T, int reps, bool cpu, int H)
{
    Net net;
    init(net, 1.0f / std::sqrt((float)H));
    std::vector<float> x(T), y(T);
    for (int t = 0; t < T; t++)
        x[t] = (float)(0.5 * std::sin(2 * M_PI * 440.0 * t / 48000.0));
    std::vector<double> times;
    double check = 0;
    for (int r = 0; r < reps; r++) {
        reset(net);
        double a = cpu ? now_cpu() : now_wall();
        for (int t = 0; t < T; t++)
            y[t] = net.step(x[t]);
        times.push_back(((cpu ? now_cpu() : now_wall()) - a) * 48000.0 / T);
        check += y[T - 1];
    }
    if (!std::isfinite(check))
        std::fprintf(stderr, "eigen_stream: non-finite output\n");
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

template <int H> static double run_cell(bool lstm, int T, int reps, bool cpu)
{
    if (lstm) {
        return run<Lstm<H>>(T, reps, cpu, H);
    }
    return run<Gru<H>>(T, reps, cpu, H);
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6 || (std::strcmp(argv[1], "lstm") && std::strcmp(argv[1], "gru"))) {
        std::fprintf(stderr, "usage: eigen_stream lstm|gru HIDDEN STEPS REPS [cpu]\n");
        return 2;
    }
    bool lstm = !std::strcmp(argv[1], "lstm"), cpu = argc == 6;
    int H = std::atoi(argv[2]), T = std::atoi(argv[3]), reps = std::atoi(argv[4]);
    if (T < 1 || reps < 1) {
        std::fprintf(stderr, "eigen_stream: bad sizes\n");
        return 2;
    }
    double s;
    switch (H) {
    case 8: s = run_cell<8>(lstm, T, reps, cpu); break;
    case 16: s = run_cell<16>(lstm, T, reps, cpu); break;
    case 32: s = run_cell<32>(lstm, T, reps, cpu); break;
    case 64: s = run_cell<64>(lstm, T, reps, cpu); break;
    case 128: s = run_cell<128>(lstm, T, reps, cpu); break;
    default: std::fprintf(stderr, "eigen_stream: hidden must be 8, 16, 32, 64 or 128\n"); return 2;
    }
    std::printf("stream\t%s h%d\teigen-fixed\ts_per_48k\t%.5f\n", argv[1], H, s);
    return 0;
}
