#!/usr/bin/env python3
"""Plot a `recur train --log` CSV as an SVG: training loss (per step, smoothed)
and validation bits per character against elapsed minutes. Standard library only.

    python3 tools/plot_curve.py train.csv curve.svg [--title TEXT]
"""
import argparse
import csv
import math


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("svg")
    ap.add_argument("--title", default="recur train")
    a = ap.parse_args()
    train, val = [], []
    with open(a.csv, newline="") as f:
        for row in csv.DictReader(f):
            t = float(row["elapsed_s"]) / 60
            train.append((t, float(row["loss"]) / math.log(2)))
            if row.get("val_bpc"):
                val.append((t, float(row["val_bpc"])))
    if not train:
        raise SystemExit("no rows in " + a.csv)
    # Smooth the noisy per-step training loss with a running mean of 50 steps.
    sm, acc = [], []
    for t, y in train:
        acc.append(y)
        acc = acc[-50:]
        sm.append((t, sum(acc) / len(acc)))
    W, H, L, R, T, B = 720, 420, 60, 20, 40, 50
    x1 = max(t for t, _ in train) or 1
    ys = [y for _, y in sm[len(sm) // 20:]] + [y for _, y in val]
    y0, y1 = math.floor(min(ys) * 10) / 10 - 0.1, min(max(ys), 5.0) + 0.1
    X = lambda t: L + (W - L - R) * t / x1
    Y = lambda y: T + (H - T - B) * (1 - (min(y, y1) - y0) / (y1 - y0))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W/2}" y="20" text-anchor="middle" font-size="14">{a.title}</text>']
    steps = 8
    for i in range(steps + 1):
        y = y0 + (y1 - y0) * i / steps
        out.append(f'<line x1="{L}" x2="{W-R}" y1="{Y(y):.1f}" y2="{Y(y):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{L-6}" y="{Y(y)+4:.1f}" text-anchor="end">{y:.2f}</text>')
    for i in range(7):
        t = x1 * i / 6
        out.append(f'<text x="{X(t):.1f}" y="{H-B+18}" text-anchor="middle">{t:.0f}</text>')
    out.append(f'<text x="{W/2}" y="{H-10}" text-anchor="middle">minutes</text>')
    out.append(f'<text x="16" y="{H/2}" transform="rotate(-90 16 {H/2})" '
               f'text-anchor="middle">bits per character</text>')
    pts = " ".join(f"{X(t):.1f},{Y(y):.1f}" for t, y in sm)
    out.append(f'<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{pts}"/>')
    if val:
        pts = " ".join(f"{X(t):.1f},{Y(y):.1f}" for t, y in val)
        out.append(f'<polyline fill="none" stroke="#d62728" stroke-width="2" points="{pts}"/>')
        for t, y in val:
            out.append(f'<circle cx="{X(t):.1f}" cy="{Y(y):.1f}" r="3" fill="#d62728"/>')
    out.append(f'<text x="{W-R-10}" y="{T+16}" text-anchor="end" fill="#1f77b4">'
               f'training (running mean of 50 steps)</text>')
    out.append(f'<text x="{W-R-10}" y="{T+32}" text-anchor="end" fill="#d62728">validation</text>')
    out.append("</svg>")
    with open(a.svg, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
