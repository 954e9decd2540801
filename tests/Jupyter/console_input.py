"""Console.ReadLine() in a cell, answered through Debian's real jupyter_client (as JupyterLab and VS Code do).

Starts the installed .net-csharp kernel, runs a cell that prompts and reads a line with allow_stdin, answers the
input_request the way jupyter_client does (an input_reply without a parent header), and checks the printed
greeting and the cell's result. Then a cell without allow_stdin must read end of input (null) at once.
Exit status 0 when both hold; the reason otherwise.
"""
import sys

import jupyter_client


def main() -> int:
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name=".net-csharp", startup_timeout=120)
    try:
        asked = []

        def answer(msg):
            asked.append(msg["content"])
            kc.input("Ada")

        outputs = []
        code = 'Console.Write("Your name: ");\nvar name = Console.ReadLine();\nConsole.WriteLine($"Hello, {name}!");\nname.Length'
        reply = kc.execute_interactive(code, allow_stdin=True, stdin_hook=answer, timeout=120,
                                       output_hook=lambda m: outputs.append((m["msg_type"], m["content"])))
        text = "".join(c.get("text", "") for t, c in outputs if t == "stream")
        results = [c["data"]["text/plain"] for t, c in outputs if t == "execute_result"]
        problems = []
        if reply["content"]["status"] != "ok":
            problems.append(f"the cell failed: {reply['content'].get('ename')}: {reply['content'].get('evalue')}")
        if len(asked) != 1:
            problems.append(f"expected one input_request, got {len(asked)}")
        if text != "Your name: Hello, Ada!\n":
            problems.append(f"printed {text!r}, expected 'Your name: Hello, Ada!\\n'")
        if results != ["3"]:
            problems.append(f"result {results!r}, expected ['3']")

        outputs.clear()
        reply = kc.execute_interactive("Console.ReadLine() is null", allow_stdin=False, timeout=120,
                                       output_hook=lambda m: outputs.append((m["msg_type"], m["content"])))
        results = [c["data"]["text/plain"] for t, c in outputs if t == "execute_result"]
        if results != ["True"]:
            problems.append(f"without allow_stdin ReadLine gave {results!r}, expected end of input (True)")

        for p in problems:
            print(f"console input: {p}", file=sys.stderr)
        if not problems:
            print("console input: Console.ReadLine() answered through jupyter_client; end of input without stdin")
        return 1 if problems else 0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    sys.exit(main())
