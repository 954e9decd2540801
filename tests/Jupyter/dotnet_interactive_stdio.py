#!/usr/bin/env python3
"""Run notebooks, unchanged, in the released .NET Interactive (`dotnet-interactive stdio`).

Usage: dotnet_interactive_stdio.py DOTNET_INTERACTIVE NOTEBOOK...

For each notebook: start `dotnet-interactive stdio --default-kernel csharp --working-dir <its folder>`, send one
SubmitCode command per code cell (newline-delimited JSON, each with its own token) and wait for the
CommandSucceeded or CommandFailed event carrying that token. A cell passes if it succeeds; a chart cell may fail
only because Plotly.NET 6 needs FSharp.Core 10.1 and the tool ships 10.0 (then the first cell must have said so
in its one line). Prints one line per notebook and every unexpected failure; exits 1 if there was one.
"""
import json, os, queue, signal, subprocess, sys, threading, time

FSHARP = "Could not load file or assembly 'FSharp.Core, Version=10.1.0.0"
NOTE = "Charts need FSharp.Core 10.1 and this kernel ships 10.0"
CELL_TIMEOUT = 300
SETTLE = 0.5  # seconds between a cell's answer and the next command, as a reader would leave


def run(tool, path):
    nb = json.load(open(path, encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    proc = subprocess.Popen([tool, "stdio", "--default-kernel", "csharp", "--working-dir", os.path.dirname(os.path.abspath(path))],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    events = queue.Queue()

    def read():
        # Bytes, decoded leniently: a reader that died on one bad byte would leave the tool blocked on a full pipe.
        try:
            for raw in proc.stdout:
                events.put(raw.decode("utf-8", errors="replace"))
        finally:
            events.put(None)

    threading.Thread(target=read, daemon=True).start()
    ok = charts = 0
    problems, first_stdout = [], ""
    started = time.time()
    try:
        for n, code in enumerate(cells, start=1):
            time.sleep(SETTLE)
            token = f"{os.path.basename(path)}#{n}#"  # events of commands a cell spawns carry tokens that start with it
            proc.stdin.write((json.dumps({"token": token, "commandType": "SubmitCode",
                                          "command": {"code": code, "targetKernelName": "csharp"}}) + "\n").encode("utf-8"))
            proc.stdin.flush()
            deadline = time.time() + CELL_TIMEOUT
            while True:
                line = events.get(timeout=max(1, deadline - time.time()))
                if line is None:
                    raise RuntimeError(f"dotnet-interactive exited during cell {n}")
                try:
                    envelope = json.loads(line)
                except ValueError:
                    continue
                event_token = (envelope.get("command") or {}).get("token") or ""
                if not event_token.startswith(token):
                    continue
                kind, event = envelope.get("eventType"), envelope.get("event") or {}
                if kind == "StandardOutputValueProduced" and n == 1:
                    first_stdout += "".join(v.get("value", "") for v in event.get("formattedValues", []))
                if event_token != token:
                    continue
                if kind == "CommandSucceeded":
                    ok += 1
                    break
                if kind == "CommandFailed":
                    message = event.get("message") or ""
                    if FSHARP in message:
                        charts += 1
                    else:
                        problems.append(f"cell {n}: {message.splitlines()[0] if message else 'failed'}")
                    break
    except queue.Empty:
        problems.append(f"no answer within {CELL_TIMEOUT} s")
    except RuntimeError as e:
        problems.append(str(e))
    finally:
        # End of input ends the tool; then its whole process group goes (restore and build helpers it started
        # would otherwise keep NuGet's locks and stall the next notebook's restore).
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    if charts and NOTE not in first_stdout:
        problems.append(f"{charts} chart cells failed for FSharp.Core, but the first cell did not say so")
    seconds = time.time() - started
    print(f"  dotnet-interactive {os.path.basename(path)}: {len(cells)} code cells, {ok} succeeded, "
          f"{charts} charts need FSharp.Core 10.1, {len(problems)} other errors, {seconds:.1f} s", flush=True)
    for p in problems:
        print(f"    {p}", flush=True)
    return not problems


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: dotnet_interactive_stdio.py DOTNET_INTERACTIVE NOTEBOOK...")
    results = [run(sys.argv[1], p) for p in sys.argv[2:]]
    sys.exit(0 if all(results) else 1)
