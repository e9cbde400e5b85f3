"""What the bench scripts' tables share: reading result lines (bench/lib/fio-line writes them), medians over
rounds, and each round's own ratio. A script's Python puts bench/lib on sys.path and imports it."""
import collections
import re
import statistics

# The figures of a result line after server, row and round: IOPS, MiB/s, p99 µs, then (plain rows with the
# server's CPU) server µs/request and client CPU %.
IOPS, MIB, P99, SERVER_US, CLIENT_CPU = range(5)


def read_runs(path):
    """row -> server -> round -> figures, rows and servers in the order they first appear."""
    runs = collections.OrderedDict()
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        figures = tuple(float(x) for x in f[2:5] + f[6:])
        runs.setdefault(f[1], collections.OrderedDict()).setdefault(f[0], {})[f[5]] = figures
    return runs


def median(by_round, i):
    """The median over rounds of figure i."""
    return statistics.median(v[i] for v in by_round.values())


def medians(by_round):
    """Every figure's median over rounds."""
    return tuple(median(by_round, i) for i in range(len(next(iter(by_round.values())))))


def each_round(ours, *peers):
    """Each round's IOPS of ours over the best peer's in that round, as "1.02, 0.97, ..."."""
    return ", ".join(f"{ours[r][IOPS] / max(p[r][IOPS] for p in peers):.2f}" for r in ours)


def replace_section(path, new_path, title):
    """Replaces the section titled `title` (up to the next heading of level 1 or 2) of the Markdown file `path` with
    the text of `new_path`, or appends it when there is none; everything else stays."""
    new = open(new_path).read().rstrip("\n") + "\n"
    text = open(path).read()
    start = text.find(title + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + new
    else:
        nxt = re.search(r"^#{1,2} ", text[start + len(title):], re.M)
        end = start + len(title) + nxt.start() if nxt else len(text)
        text = text[:start] + new + ("\n" + text[end:] if nxt else "")
    open(path, "w").write(text)
