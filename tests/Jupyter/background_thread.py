"""An exception on a thread or timer that a cell started, through Debian's real jupyter_client.

.NET ends a process when a thread throws; the kernel must report it as an error of the cell and keep the session.
Starts the installed .net-csharp kernel, runs a cell whose thread throws (joined, so it happens while the cell runs),
then a cell whose timer throws after the cell ended, then a cell that must still see the first cell's variable and
carry the timer's error under a note naming cell 2. Exit status 0 when all holds; the reasons otherwise.
"""
import sys

import jupyter_client


def run(kc, code):
    outputs = []
    reply = kc.execute_interactive(code, timeout=120, output_hook=lambda m: outputs.append((m["msg_type"], m["content"])))
    return reply["content"], outputs


def main() -> int:
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name=".net-csharp", startup_timeout=120)
    problems = []
    try:
        reply, outputs = run(kc, 'var kept = 41;\nvar t = new System.Threading.Thread(() => throw new InvalidOperationException("from a thread"));\nt.Start();\nt.Join();')
        errors = [c for m, c in outputs if m == "error"]
        if reply["status"] != "error" or not any(e["evalue"] == "from a thread" for e in errors):
            problems.append(f"cell 1: expected its error 'from a thread', got status {reply['status']} and {errors!r}")

        reply, _ = run(kc, 'var fired = new System.Threading.ManualResetEventSlim();\n'
                           'var timer = new System.Threading.Timer(_ => { fired.Set(); throw new ArgumentException("from a timer"); }, null, 300, System.Threading.Timeout.Infinite);')
        if reply["status"] != "ok":
            problems.append(f"cell 2 should succeed (its timer fires later), got {reply['status']}")

        reply, outputs = run(kc, 'fired.Wait();\nSystem.Threading.Thread.Sleep(200);\nkept + 1')
        results = [c["data"]["text/plain"] for m, c in outputs if m == "execute_result"]
        text = "".join(c.get("text", "") for m, c in outputs if m == "stream")
        errors = [c["evalue"] for m, c in outputs if m == "error"]
        if not km.is_alive():
            problems.append("the kernel process died")
        if results != ["42"]:
            problems.append(f"cell 3: the session should go on with kept = 41, got results {results!r}")
        if "from cell 2" not in text or errors != ["from a timer"]:
            problems.append(f"cell 3 should carry the timer's error under a note naming cell 2, got text {text!r}, errors {errors!r}")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    for p in problems:
        print(f"background thread: {p}", file=sys.stderr)
    if not problems:
        print("background thread: the kernel reported the thread's and the timer's exceptions and kept the session")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
