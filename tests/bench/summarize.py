#!/usr/bin/env python3
"""summarize.py RUN_DIR QUICK REPS - turns RUN_DIR/raw.tsv into summary.tsv, summary.json,
table.txt and table.md (the Markdown form for README). Called by bench.sh; can be re-run on
any results directory."""
import csv
import json
import os
import statistics
import sys

NAMES = {
    "gf-exec": "gpuforge exec",
    "gf-ping": "gpuforge ping",
    "pdsh": "pdsh -R ssh",
    "pssh": "parallel-ssh",
    "clush": "clush",
    "ansible-best": "ansible -m raw (best)",
    "ansible-default": "ansible -m raw (defaults)",
    "gf-run": "gpuforge run",
    "gf-run-framed": "gpuforge run (framed shell)",
    "ansible-pb-best": "ansible-playbook (best)",
    "ansible-pb-default": "ansible-playbook (defaults)",
    "ansible-pb-mitogen": "Ansible with Mitogen (mitogen_linear)",
}
# P2 targets at 8 testbed nodes (issue 14): x faster than ansible-playbook's best
# configuration, by section and phase, and than Ansible with Mitogen
P2_TARGET_BEST = {("P2", "cold"): 30, ("P2", "warm"): 30, ("P2B", "cold"): 50, ("P2B", "warm"): 100}
P2_TARGET_MITOGEN = 10
P2_TASKS = 20  # tasks in tests/bench/p2.yml
SHELLS = ("pdsh", "pssh", "clush")
KINDS = {"tb": "nspawn testbed nodes", "light": "light hosts (loopback sshd)"}


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(v, spec=".2f", na="-"):
    return na if v is None else format(v, spec)


def linfit(pts):
    """least squares y = a + b x; returns (a, b, r2) or None"""
    if len(pts) < 2 or len({x for x, _ in pts}) < 2:
        return None
    n = len(pts)
    mx = sum(x for x, _ in pts) / n
    my = sum(y for _, y in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    sxy = sum((x - mx) * (y - my) for x, y in pts)
    b = sxy / sxx
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for _, y in pts)
    ss_res = sum((y - a - b * x) ** 2 for x, y in pts)
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else 1.0
    return a, b, r2


def main():
    out, quick, reps = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
    with open(os.path.join(out, "raw.tsv")) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    env = open(os.path.join(out, "env.txt")).read().splitlines()

    groups = {}
    for r in rows:
        key = (r["section"], r["kind"], int(r["n"]), r["tool"], int(r["forks"]))
        groups.setdefault(key, []).append(r)

    summary = []
    for key, rs in groups.items():
        sec, kind, n, tool, forks = key
        good = [r for r in rs if r["ok"] == "1"]
        use = good or rs

        def col(name, rr=use):
            return [num(r[name]) for r in rr]

        cpu = []
        for r in use:
            c = num(r["cg_cpu_s"])
            if c is None:
                c = (num(r["user_s"]) or 0) + (num(r["sys_s"]) or 0)
            cpu.append(c)
        walls = [x for x in col("wall_s") if x is not None]
        s = {
            "section": sec, "kind": kind, "n": n, "tool": tool, "forks": forks,
            "runs": len(rs), "ok": len(good),
            "wall_med": med(walls), "wall_min": min(walls) if walls else None,
            "wall_max": max(walls) if walls else None,
            "cpu_med": med(cpu), "cpu_min": min(cpu) if cpu else None,
            "cpu_max": max(cpu) if cpu else None,
            "rusage_cpu_med": med([(num(r["user_s"]) or 0) + (num(r["sys_s"]) or 0) for r in use]),
            "maxrss_kb_max": max([x for x in col("maxrss_kb") if x is not None] or [0]),
            "maxrss_kb_med": med(col("maxrss_kb")),
            "tree_mem_kb_med": med(col("cg_mem_peak_kb")),
            "srv_cpu_med": med(col("srv_cpu_s")),
            "sys_busy_med": med(col("sys_busy_s")),
            "load1_med": med(col("load1")),
            "first_med": med(col("first_line_s")), "last_med": med(col("last_line_s")),
            "max_fds": max([x for x in col("max_fds") if x is not None] or [0]) or None,
            "max_threads": max([x for x in col("max_threads") if x is not None] or [0]) or None,
        }
        s["cpu_ms_per_host"] = s["cpu_med"] * 1000 / n if s["cpu_med"] is not None else None
        s["rss_kb_per_host"] = s["maxrss_kb_med"] / n if s["maxrss_kb_med"] else None
        summary.append(s)

    order = list(NAMES)
    summary.sort(key=lambda s: (s["section"], -ord(s["kind"][0]), s["n"], s["forks"],
                                order.index(s["tool"]) if s["tool"] in order else 99))
    cols = list(summary[0].keys()) if summary else []
    with open(os.path.join(out, "summary.tsv"), "w") as f:
        f.write("\t".join(cols) + "\n")
        for s in summary:
            f.write("\t".join("" if s[c] is None else str(round(s[c], 6)) if isinstance(s[c], float)
                              else str(s[c]) for c in cols) + "\n")

    txt, md = [], []
    head = []
    for line in env:
        if line.startswith("negotiated with"):
            head.append(line.replace("negotiated with", "algorithms negotiated with", 1))
        elif line.startswith("  ") and head and head[-1].startswith("algorithms"):
            part = line.strip()
            for pre in ("kex: algorithm: ", "kex: host key algorithm: "):
                if part.startswith(pre):
                    head[-1] += " " + part[len(pre):]
            if part.startswith("kex: server->client cipher: "):
                head[-1] += " " + part.split()[3]
            if part.startswith("Authenticated to") and "publickey" in part:
                head[-1] += ", publickey auth"
        else:
            head.append(line)
    txt += head
    txt.append("")
    md.append("Machine, versions, settings:\n")
    md += ["    " + line for line in head]
    md.append("")
    if quick:
        note = (f"QUICK run: {reps} repetitions per comparison (full run: 5), P4 one "
                "repetition at fan-out 50 only.")
        txt.append(note)
        md.append(f"*{note}*\n")

    verdicts = []

    # ---- P1 ----
    p1 = [s for s in summary if s["section"] == "P1"]
    sets = host_sets(p1)
    light_ns = [n for k, n in sets if k == "light"]
    for kind, n in sets:
        rs = [s for s in p1 if s["kind"] == kind and s["n"] == n]
        title = (f"P1 fan-out: `true` on {n} {KINDS.get(kind, kind)}, fan-out {n}, "
                 f"{max(s['runs'] for s in rs)} alternating repetitions")
        hdr = ["tool", "ok", "wall med s", "min", "max", "ctl CPU s", "CPU ms/host",
               "peak RSS MB", "tree mem MB", "sshd CPU s"]
        body = []
        for s in rs:
            body.append([NAMES.get(s["tool"], s["tool"]), f"{s['ok']}/{s['runs']}",
                         fmt(s["wall_med"]), fmt(s["wall_min"]), fmt(s["wall_max"]),
                         fmt(s["cpu_med"], ".3f"), fmt(s["cpu_ms_per_host"], ".2f"),
                         fmt(s["maxrss_kb_max"] / 1024, ".1f"),
                         fmt(s["tree_mem_kb_med"] / 1024 if s["tree_mem_kb_med"] else None, ".1f"),
                         fmt(s["srv_cpu_med"], ".2f")])
        ratios = []
        by = {s["tool"]: s for s in rs if s["ok"] > 0}
        shells = [by[t] for t in SHELLS if t in by]
        for gt in ("gf-exec", "gf-ping"):
            g = by.get(gt)
            if not g or not shells:
                continue
            fast = min(shells, key=lambda s: s["wall_med"])
            lean = min(shells, key=lambda s: s["cpu_med"])
            wr = g["wall_med"] / fast["wall_med"]
            cr = lean["cpu_med"] / g["cpu_med"] if g["cpu_med"] else None
            line = (f"{NAMES[gt]}: wall {wr:.2f} x the fastest parallel shell "
                    f"({NAMES[fast['tool']]} {fast['wall_med']:.2f} s); controller CPU 1/"
                    f"{cr:.1f} of the leanest ({NAMES[lean['tool']]} "
                    f"{lean['cpu_ms_per_host']:.2f} ms/host vs {g['cpu_ms_per_host']:.2f})")
            for at in ("ansible-best", "ansible-default"):
                a = by.get(at)
                if a:
                    line += (f"; vs {NAMES[at]}: wall {g['wall_med'] / a['wall_med']:.2f} x, "
                             f"CPU 1/{a['cpu_med'] / g['cpu_med']:.0f}")
            ratios.append(line)
            if gt == "gf-exec" and kind == "light" and light_ns and n == max(light_ns):
                verdicts.append(
                    f"P1 wall at N={n}: gpuforge exec = {wr:.2f} x fastest of pdsh/pssh/clush "
                    f"(target <= 0.80): {'MET' if wr <= 0.8 else 'MISSED'}")
            if gt == "gf-exec" and kind == "light" and cr is not None:
                verdicts.append(
                    f"P1 CPU/host at N={n}: gpuforge exec {g['cpu_ms_per_host']:.2f} ms vs "
                    f"leanest {lean['cpu_ms_per_host']:.2f} ms = 1/{cr:.1f} (target <= 1/50): "
                    f"{'MET' if cr >= 50 else 'MISSED by %.1fx' % (50 / cr)}")
        add_section(txt, md, title, hdr, body, ratios)

    # ---- P2 ----
    for sec, phase in [(x, y) for x in ("P2", "P2B") for y in ("cold", "warm")]:
        p2 = [s for s in summary if s["section"] == sec + phase]
        sets = host_sets(p2)
        for kind, n in sets:
            rs = [s for s in p2 if s["kind"] == kind and s["n"] == n]
            title = (f"{sec} playbook ({phase}{', become' if sec == 'P2B' else ''}): "
                     f"{P2_TASKS} tasks on {n} {KINDS.get(kind, kind)}, "
                     f"fan-out {n}, {max(s['runs'] for s in rs)} alternating repetitions")
            hdr = ["tool", "ok", "wall med s", "min", "max", "ctl CPU s",
                   "CPU ms/host-task", "peak RSS MB"]
            body = []
            for s in rs:
                cpt = (s["cpu_med"] * 1000 / (int(n) * P2_TASKS)
                       if s["cpu_med"] is not None else None)
                body.append([NAMES.get(s["tool"], s["tool"]), f"{s['ok']}/{s['runs']}",
                             fmt(s["wall_med"]), fmt(s["wall_min"]), fmt(s["wall_max"]),
                             fmt(s["cpu_med"], ".3f"), fmt(cpt, ".3f"),
                             fmt(s["maxrss_kb_max"] / 1024, ".1f")])
            by = {s["tool"]: s for s in rs if s["ok"] > 0}
            ratios = []
            for gt in ("gf-run", "gf-run-framed"):
                g = by.get(gt)
                for at in ("ansible-pb-best", "ansible-pb-default", "ansible-pb-mitogen"):
                    a = by.get(at)
                    if g and a and g["wall_med"]:
                        r = a["wall_med"] / g["wall_med"]
                        ratios.append(f"{NAMES[gt]} is {r:.1f} x faster than {NAMES[at]} "
                                      f"(wall {g['wall_med']:.2f} s vs {a['wall_med']:.2f} s; "
                                      f"controller CPU 1/{a['cpu_med'] / g['cpu_med']:.0f})")
                        want = (P2_TARGET_BEST[(sec, phase)] if at == "ansible-pb-best" else
                                P2_TARGET_MITOGEN if at == "ansible-pb-mitogen" else None)
                        if want and kind == "tb":
                            verdicts.append(f"{sec} {phase} at {n} testbed nodes: {NAMES[gt]} "
                                            f"{r:.1f} x faster than {NAMES[at]} "
                                            f"(target >= {want} x): "
                                            f"{'MET' if r >= want else 'MISSED'}")
            g, f = by.get("gf-run"), by.get("gf-run-framed")
            if g and f and f["wall_med"]:
                ratios.append(f"the framed shell: {g['wall_med'] / f['wall_med']:.2f} x faster "
                              f"than a channel per command ({f['wall_med']:.2f} s vs "
                              f"{g['wall_med']:.2f} s)")
            add_section(txt, md, title, hdr, body, ratios)

    # ---- P3 ----
    for p in ("p3.txt",):
        path = os.path.join(out, p)
        if os.path.exists(path):
            line = open(path).read().strip()
            txt.append(line)
            md.append(f"- {line}")
    txt.append("")
    md.append("")

    # ---- P4 ----
    p4 = [s for s in summary if s["section"] == "P4"]
    if p4:
        title = "P4 scale: gpuforge ping on light hosts, bounded fan-out"
        hdr = ["hosts", "forks", "ok", "wall med s", "first result s", "last result s",
               "peak RSS MB", "RSS KB/host", "max fds", "max threads", "CPU s", "CPU ms/host"]
        body = []
        for s in sorted(p4, key=lambda s: (s["forks"], s["n"])):
            body.append([str(s["n"]), str(s["forks"]), f"{s['ok']}/{s['runs']}",
                         fmt(s["wall_med"]), fmt(s["first_med"]), fmt(s["last_med"]),
                         fmt(s["maxrss_kb_med"] / 1024, ".1f"), fmt(s["rss_kb_per_host"], ".1f"),
                         fmt(s["max_fds"], ".0f"), fmt(s["max_threads"], ".0f"),
                         fmt(s["cpu_med"], ".3f"), fmt(s["cpu_ms_per_host"], ".3f")])
        fits = []
        for f in sorted({s["forks"] for s in p4}):
            rs = [s for s in p4 if s["forks"] == f]
            for label, key, unit, scale in (("peak RSS", "maxrss_kb_med", "KB", 1),
                                            ("controller CPU", "cpu_med", "ms", 1000),
                                            ("wall", "wall_med", "ms", 1000)):
                fit = linfit([(s["n"], s[key] * scale) for s in rs if s[key] is not None])
                if fit:
                    a, b, r2 = fit
                    fits.append(f"forks {f}: {label} = {a:.0f} {unit} + {b:.2f} {unit}/host "
                                f"(r^2 {r2:.3f}, {len(rs)} sizes)")
        big = [s for s in p4 if s["n"] == max(x["n"] for x in p4)]
        for s in big:
            verdicts.append(
                f"P4 RSS at {s['n']} hosts, forks {s['forks']}: {s['rss_kb_per_host']:.1f} KB/host "
                f"(peak {s['maxrss_kb_med'] / 1024:.1f} MB; target <= 256 KB/host): "
                f"{'MET' if s['rss_kb_per_host'] <= 256 else 'MISSED'}")
        add_section(txt, md, title, hdr, body, fits)

    if verdicts:
        txt.append("Targets:")
        txt += ["  " + v for v in verdicts]
        md.append("Targets:\n")
        md += ["- " + v for v in verdicts]
    method = [
        "Method: wall = fork to exit of the client (monotonic clock); ctl CPU = CPU of every",
        "process of the client's cgroup (children, ssh processes and detached ControlPersist",
        "masters included; wait4 rusage when no cgroup); peak RSS = largest single process of",
        "the client tree (GNU time %M semantics: for one-process gpuforge it is the total, for",
        "multi-process peers it is NOT the sum); tree mem = peak memory charged to the client's",
        "cgroup (sum over the tree: anonymous + page cache first touched + kernel memory);",
        "sshd CPU = CPU of the light hosts' sshd cgroup during the run. Medians over ok runs.",
    ]
    txt.append("")
    txt += method
    md.append("")
    md.append("*" + " ".join(method) + "*")
    open(os.path.join(out, "table.txt"), "w").write("\n".join(txt) + "\n")
    open(os.path.join(out, "table.md"), "w").write("\n".join(md) + "\n")
    json.dump({"env": env, "quick": quick, "reps": reps, "summary": summary,
               "targets": verdicts}, open(os.path.join(out, "summary.json"), "w"), indent=1)


def host_sets(rows):
    """The (kind, n) host sets of rows, in order of appearance."""
    sets = []
    for s in rows:
        if (s["kind"], s["n"]) not in sets:
            sets.append((s["kind"], s["n"]))
    return sets


def add_section(txt, md, title, hdr, body, notes):
    """Appends a titled table and its notes to the text and Markdown outputs."""
    txt.append(title)
    txt += table_txt(hdr, body)
    txt += ["  " + x for x in notes]
    txt.append("")
    md.append(f"**{title}**\n")
    md += table_md(hdr, body)
    md.append("")
    md += ["- " + x for x in notes]
    md.append("")


def table_txt(hdr, body):
    w = [max(len(str(r[i])) for r in [hdr] + body) for i in range(len(hdr))]
    lines = ["  " + "  ".join(h.ljust(w[i]) if i == 0 else h.rjust(w[i]) for i, h in enumerate(hdr))]
    for r in body:
        lines.append("  " + "  ".join(str(c).ljust(w[i]) if i == 0 else str(c).rjust(w[i])
                                      for i, c in enumerate(r)))
    return lines


def table_md(hdr, body):
    lines = ["| " + " | ".join(hdr) + " |", "|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|"]
    for r in body:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return lines


if __name__ == "__main__":
    main()
