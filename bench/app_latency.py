"""Interaction latency of the app: how long a search takes to answer on the page.

    python bench/app_latency.py [--store DIR] [--queries 20] [--modes hybrid lexical semantic] [--pages]

Builds the seed store from corpus/ (``govrule build`` and ``govrule align`` of the three work
rules, into DIR or a folder under the temp directory that later runs reuse), starts ``govrule app`` on a loopback port, drives headless
Chromium (/usr/bin/chromium through Playwright) and types the first N gold queries
(tests/gold/search_queries.jsonl) into the search box one after another. Each is timed inside the page, from
the Enter keydown until the animation frame after the page shows that query's summary line,
which the search page writes after its last hit: every hit, its facts and its counterparts are
on the page by then. With ``--pages`` it then opens the documents, obligations, SPARQL and compare
pages too. The app's memory (peak and current RSS of the server process) is read at the end.
``--store`` may name any built store (e.g. one with LawRefBook's graph and search index).
Prints a Markdown section for BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold" / "search_queries.jsonl"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
MODE_LABEL = {"hybrid": "混合 hybrid", "lexical": "关键词 lexical", "semantic": "语义 semantic"}
TARGET_MS = 1000
WORK_RULES = ["西政发〔2018〕4号", "朝政发〔2015〕7号", "营西政发〔2024〕1号"]


def cpu() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(xs: list[float], q: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th)."""
    s = sorted(xs)
    return s[max(0, min(len(s) - 1, int(-(-q * len(s) // 100)) - 1))]


def start_app(store: Path, port: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "cli", "app", "--store", str(store), "--port", str(port)],
                            cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            raise SystemExit(f"the app exited:\n{log.read_text()[-2000:]}")
    proc.kill()
    raise SystemExit("the app did not come up in 300 s")


WATCH = """(target) => {
  window.__grT0 = null; window.__grDone = null;
  window.addEventListener("keydown", (e) => { if (e.key === "Enter") window.__grT0 = performance.now(); },
                          {capture: true, once: true});
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const obs = new MutationObserver(() => {
    if (window.__grDone === null && main.textContent.includes(target)) {
      obs.disconnect();
      requestAnimationFrame(() => { window.__grDone = performance.now(); });  // the frame that shows it
    }
  });
  obs.observe(main, {childList: true, subtree: true, characterData: true});
}"""


def search(page, box, query: str) -> tuple[float, float]:
    """(ms from Enter until the page shows this query's hits, ms the server says the run took).

    Both ends are timestamped inside the page (a keydown listener, a MutationObserver on the
    summary line, then the next animation frame), so Playwright's polling does not add to it."""
    box.fill(query)
    target = f"“{query}”："
    page.evaluate(WATCH, target)
    box.press("Enter")
    page.wait_for_function("window.__grDone !== null", timeout=60_000, polling="raf")
    ms = page.evaluate("window.__grDone - window.__grT0")
    server = re.search(r"· (\d+) ms", page.get_by_text(target, exact=False).inner_text())
    return ms, float(server.group(1)) if server else float("nan")


PAGES = [("documents", "图例 Legend"), ("obligations", "条 clauses|No clause matches"), ("sparql", "行 rows"),
         ("compare", "事项 matters|Pick at least two")]  # what each page shows when it has its answer


def visit_pages(page, url: str) -> dict:
    """Open the other pages (each loads what it needs from the store; the SPARQL page runs its
    default query); ms until each shows its content, None when it did not within 2 minutes."""
    out = {}
    for name, text in PAGES:
        t0 = time.perf_counter()
        page.goto(f"{url}/{name}", wait_until="domcontentloaded")
        try:
            if name == "sparql":
                page.get_by_role("button", name="运行 Run").click(timeout=120_000)
            page.get_by_text(re.compile(text)).first.wait_for(timeout=120_000)
            out[name] = 1000 * (time.perf_counter() - t0)
        except Exception:  # noqa: BLE001 - Playwright's timeout: recorded, the others still run
            out[name] = None
    return out


def memory_mb(pid: int) -> tuple[float, float]:
    """(peak RSS, current RSS) of a process, MB (Linux /proc)."""
    vals = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmHWM:", "VmRSS:")):
            vals[line.split(":")[0]] = int(line.split()[1]) / 1024
    return vals.get("VmHWM", float("nan")), vals.get("VmRSS", float("nan"))


def describe(store: Path) -> str:
    from graph.store import open_store

    with open_store(store) as st:
        docs = st.query_plain("SELECT (COUNT(?d) AS ?n) WHERE { ?d a gr:Document }")[0]["n"]
        arts = st.query_plain("SELECT (COUNT(?a) AS ?n) WHERE { ?a a gr:Article }")[0]["n"]
    return f"{docs:,} documents, {arts:,} articles"


def measure(url: str, queries: list[str], modes: list[str], pages: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    out: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        t0 = time.perf_counter()
        page.goto(url + "/", wait_until="domcontentloaded")
        box = page.get_by_label("输入问题或关键词 Question or keywords")
        box.wait_for(timeout=300_000)
        out["page_load_ms"] = 1000 * (time.perf_counter() - t0)
        out["first_ms"], _ = search(page, box, "区政府工作规则的适用范围")  # the first search of the session
        for mode in modes:
            if mode != "hybrid":
                page.get_by_text(MODE_LABEL[mode], exact=True).click()  # reruns the last query: not timed
                page.wait_for_timeout(500)
                page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")
            runs = [search(page, box, q) for q in queries]
            out[mode] = {"browser": [r[0] for r in runs], "server": [r[1] for r in runs]}
        if pages:
            out["pages"] = visit_pages(page, url)
        browser.close()
    return out


def markdown(res: dict, queries: list[str], modes: list[str], load: tuple[float, float, float],
             what: str = "the seed store (4 documents, 205 articles, the work rules aligned)", command: str = "") -> str:
    lines = [
        f"## App: search latency in the browser ({'seed corpus' if 'seed' in what else what})",
        "",
        f"Command: `python bench/app_latency.py --queries {len(queries)} --modes {' '.join(modes)}{command}`  ",
        f"Machine: {cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average at start {load[0]:.1f} (other jobs were running).  ",
        f"`govrule app` on a loopback port over {what}, headless Chromium "
        f"through Playwright. The first {len(queries)} queries of tests/gold/search_queries.jsonl, typed one "
        "after another; each timed in the page from the Enter keydown to the animation frame that shows that "
        "query's summary line, which the page writes after its last hit (10 hits, each with its facts and "
        "counterparts). *Server* is the "
        "script run the page reports (search, facts from the store, counterparts, layout).",
        "",
        "| mode | p50 | p95 | max | server p50 | under 1 s |",
        "|---|---|---|---|---|---|",
    ]
    for mode in modes:
        b, s = res[mode]["browser"], res[mode]["server"]
        under = sum(x < TARGET_MS for x in b)
        lines.append(f"| {mode} | {statistics.median(b):.0f} ms | {percentile(b, 95):.0f} ms | {max(b):.0f} ms | "
                     f"{statistics.median(s):.0f} ms | {under}/{len(b)} |")
    lines += ["", f"First search of the session (page just loaded): {res['first_ms']:.0f} ms; page load until "
                  f"the search box shows: {res['page_load_ms']:.0f} ms (the first page of a fresh process loads "
                  "the model and the index, once per process)."]
    if "pages" in res:
        lines += ["", "Then each other page, ms until it shows its content: " + ", ".join(
            f"{k} {v:,.0f}" if v is not None else f"{k} (not within 2 min)" for k, v in res["pages"].items()) + "."]
    lines += ["", f"**App memory**: the server process's peak RSS {res['rss'][0]:,.0f} MB, {res['rss'][1]:,.0f} MB at "
                  "the end (model, search index, store handle and the pages' caches)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=str(Path(tempfile.gettempdir()) / "govrule-bench-app"),
                    help="store folder (built from corpus/ when missing; reused later)")
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--modes", nargs="+", default=["hybrid"], choices=list(MODE_LABEL))
    ap.add_argument("--pages", action="store_true", help="also open the documents, obligations, SPARQL and compare pages")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    store = Path(args.store)
    seeds = not (store / "search" / "index" / "meta.json").exists()
    if seeds:
        print(f"building the seed store in {store} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "cli", "build", str(ROOT / "corpus"), "--store", str(store)],
                       cwd=ROOT, check=True)
    seeds = seeds or (store / "cache" / "align").is_dir()
    if seeds and not (store / "cache" / "align").is_dir():  # the work rules' alignments, as after `govrule align`
        print("aligning the three work rules …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "cli", "align", "--docs", *WORK_RULES, "--corpus", str(ROOT / "corpus"),
                        "--store", str(store)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    gold = [json.loads(x)["query"] for x in GOLD.read_text(encoding="utf-8").splitlines() if x.strip()]
    queries = list(dict.fromkeys(gold))[: args.queries]
    load = os.getloadavg()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_app(store, port, Path(tmp) / "app.log")
        try:
            res = measure(f"http://127.0.0.1:{port}", queries, args.modes, args.pages)
            res["rss"] = memory_mb(proc.pid)  # `govrule app` became the Streamlit server (execve)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    sys.path.insert(0, str(ROOT))
    what = "the seed store (4 documents, 205 articles, the work rules aligned)" if seeds else describe(store)
    extra = (" --pages" if args.pages else "") + ("" if seeds else f" --store {args.store}")
    print(markdown(res, queries, args.modes, load, what, extra), end="")


if __name__ == "__main__":
    main()
