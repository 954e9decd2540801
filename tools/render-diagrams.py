#!/usr/bin/env python3
"""Draw every Mermaid diagram in the notebooks once, as a PNG attached to its markdown cell.

JupyterLab >= 4.1, VS Code and GitHub draw ```mermaid blocks; classic Jupyter Notebook shows them as
text. So each diagram is drawn here, in headless Chromium with the Mermaid the offline site bundles
(lib/Notebooks/SiteAssets, `npm ci` first), and stored as a cell attachment, the way a pasted image is
stored, which every front end shows: ![...](attachment:diagram-HASH.png). PNG, because JupyterLab
resolves attachments only for bitmap types (not SVG). The Mermaid source stays in the cell, folded
under the picture; HASH is the start of the SHA-256 of that source, so a test can tell when a diagram
was edited and not redrawn.

Usage (from the repository root): python3 tools/render-diagrams.py [notebooks/NAME.ipynb ...]
It changes only the cells that hold a diagram: their attachments and the image line.
"""
import base64, hashlib, html, json, math, re, subprocess, sys, tempfile, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
MERMAID = ROOT / "lib/Notebooks/SiteAssets/node_modules/mermaid/dist/mermaid.min.js"
SCALE = 1.0  # the PNG's pixels are the diagram's CSS pixels: front ends show attachments at their natural size
BLOCK = re.compile(r"```mermaid\n(.*?)```", re.S)
IMAGE = re.compile(r"!\[[^\]]*\]\(attachment:diagram-[0-9a-f]+\.png\)\n\n")


def attachment_name(src: str) -> str:
    """diagram-<first 16 hex digits of the SHA-256 of the source, trimmed>.png"""
    return "diagram-" + hashlib.sha256(src.strip().encode("utf-8")).hexdigest()[:16] + ".png"


def render(sources):
    """SVG text of each Mermaid source, drawn by Chromium."""
    page = """<!doctype html><html><head><meta charset="utf-8"></head><body>
<script src="%s"></script><pre id="out"></pre><script>
mermaid.initialize({ startOnLoad: false, theme: 'neutral', htmlLabels: false,
                     flowchart: { htmlLabels: false }, securityLevel: 'strict' });
(async () => {
  const sources = %s, svgs = [];
  for (let i = 0; i < sources.length; i++) svgs.push((await mermaid.render('diagram-' + i, sources[i])).svg);
  document.getElementById('out').textContent = JSON.stringify(svgs);
})().catch(e => { document.getElementById('out').textContent = 'ERROR ' + e; });
</script></body></html>""" % (MERMAID.as_uri(), json.dumps(sources))
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "page.html"
        path.write_text(page, encoding="utf-8")
        dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                              f"--user-data-dir={tmp}/profile", "--virtual-time-budget=20000", "--dump-dom",
                              path.as_uri()], capture_output=True, text=True, timeout=120).stdout
    out = html.unescape(re.search(r'<pre id="out">(.*?)</pre>', dom, re.S).group(1))
    if not out.startswith("["):
        sys.exit(f"Mermaid failed: {out or 'nothing rendered'}")
    return json.loads(out)


def screenshot(svg: str, scale: float) -> bytes:
    """The SVG drawn on a white page of exactly its size, as PNG bytes."""
    view = re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"', svg)
    width, height = math.ceil(float(view.group(3))), math.ceil(float(view.group(4)))
    svg = re.sub(r'^<svg([^>]*?) width="100%"', r'<svg\1', svg, count=1)
    svg = re.sub(r'^<svg([^>]*?) style="[^"]*"', r'<svg\1', svg, count=1)
    svg = svg.replace("<svg", f'<svg width="{width}" height="{height}"', 1)
    with tempfile.TemporaryDirectory() as tmp:
        page = pathlib.Path(tmp) / "svg.html"
        page.write_text('<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;background:#fff}'
                        'svg{display:block}</style></head><body>' + svg + '</body></html>', encoding="utf-8")
        png = pathlib.Path(tmp) / "out.png"
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                        f"--user-data-dir={tmp}/profile", f"--force-device-scale-factor={scale}",
                        f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri()],
                       capture_output=True, timeout=120, check=True)
        return png.read_bytes()


def main(paths):
    if not MERMAID.exists():
        sys.exit(f"{MERMAID} is missing: run `npm ci --prefix lib/Notebooks/SiteAssets --ignore-scripts` first")
    paths = paths or sorted(str(p) for p in (ROOT / "notebooks").glob("*.ipynb"))
    for p in paths:
        raw = pathlib.Path(p).read_text(encoding="utf-8")
        nb = json.loads(raw)
        cells = [c for c in nb["cells"] if c["cell_type"] == "markdown" and "```mermaid" in "".join(c["source"])]
        if not cells:
            continue
        sources = [BLOCK.search("".join(c["source"])).group(1) for c in cells]
        svgs = render(sources)
        for cell, src, svg in zip(cells, sources, svgs):
            name = attachment_name(src)
            text = IMAGE.sub("", "".join(cell["source"]))
            block = BLOCK.search(text)
            title = re.findall(r"^#+ .*· (.+)$", text[:block.start()], re.M)
            alt = title[-1] if title else "diagram"
            folded = (f"![{alt}](attachment:{name})\n\n<details><summary>Mermaid source of the diagram</summary>\n\n"
                      f"{block.group(0)}\n\n</details>")
            if "<details><summary>Mermaid source" in text:
                start = text.index("<details><summary>Mermaid source")
                end = text.index("</details>", start) + len("</details>")
                text = text[:start] + folded + text[end:]
            else:
                text = text[:block.start()] + folded + text[block.end():]
            lines = text.split("\n")
            cell["source"] = [l + "\n" for l in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
            png = screenshot(svg, SCALE)
            cell["attachments"] = {name: {"image/png": base64.b64encode(png).decode("ascii")}}
            # nbformat writes a cell's keys in order; keep "attachments" first, as Jupyter saves it
            ordered = {k: cell[k] for k in sorted(cell)}
            cell.clear(); cell.update(ordered)
        pathlib.Path(p).write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{p}: {len(cells)} diagrams drawn")


if __name__ == "__main__":
    main(sys.argv[1:])
