using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Notebooks.Images;

/// <summary>What adding chart images to one executed notebook did.</summary>
/// <param name="Notebook">The executed copy.</param>
/// <param name="Charts">Chart outputs found.</param>
/// <param name="Rendered">Charts that now carry an <c>image/png</c> entry.</param>
/// <param name="Problem">Why some or all charts have no image, or null.</param>
public sealed record ChartImageReport(string Notebook, int Charts, int Rendered, string? Problem);

/// <summary>What adding chart images to a set of notebooks did.</summary>
/// <param name="Notebooks">One report per notebook, in the order given.</param>
/// <param name="Elapsed">Wall-clock time of the whole batch, including starting Chromium.</param>
public sealed record ChartImagesReport(IReadOnlyList<ChartImageReport> Notebooks, TimeSpan Elapsed)
{
    /// <summary>Chart outputs found.</summary>
    public int Charts => Notebooks.Sum(n => n.Charts);

    /// <summary>Charts that now carry a PNG.</summary>
    public int Rendered => Notebooks.Sum(n => n.Rendered);
}

/// <summary>
/// Adds a PNG rendering (<c>image/png</c>, base64) next to the <c>text/html</c> of every Plotly chart
/// output in executed notebooks, so that viewers that do not run scripts (GitHub) still show the chart.
/// One headless Chromium draws all the charts of a batch of notebooks on one local page with plotly.js
/// and exports each with <c>Plotly.toImage</c> (starting Chromium and loading plotly.js cost more than a
/// chart, so one process per run beats one per notebook). No network is used.
/// </summary>
public sealed partial class ChartImages(HeadlessChromium chromium)
{
    /// <summary>Width of the box a chart without its own layout width is drawn in (pixels).</summary>
    public const int DefaultChartWidth = 800;

    /// <summary>The browser used.</summary>
    public HeadlessChromium Chromium { get; } = chromium;

    /// <summary>Adds images to one notebook; see <see cref="AddAsync(IReadOnlyList{string}, CancellationToken)"/>.</summary>
    public async Task<ChartImageReport> AddAsync(string executedNotebook, CancellationToken cancellationToken = default) =>
        (await AddAsync([executedNotebook], cancellationToken).ConfigureAwait(false)).Notebooks[0];

    /// <summary>
    /// Renders the charts of <paramref name="executedNotebooks"/> and rewrites each notebook that has
    /// charts (temporary file, then rename) with an <c>image/png</c> entry on each chart output; an
    /// existing entry is replaced. Failures are reported in <see cref="ChartImageReport.Problem"/>, never
    /// thrown: the notebooks stay valid, just without images.
    /// </summary>
    public async Task<ChartImagesReport> AddAsync(IReadOnlyList<string> executedNotebooks, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var docs = executedNotebooks.Select(NotebookDocument.Load).ToList();
        var charts = docs.Select(d => PlotlyOutputs.Charts(d).ToList()).ToList();
        var all = charts.SelectMany(c => c).ToList();
        ChartImagesReport Done(Func<int, (int Rendered, string? Problem)> outcome) => new(
            [.. executedNotebooks.Select((nb, k) =>
            {
                var (rendered, problem) = outcome(k);
                return new ChartImageReport(nb, charts[k].Count, rendered, charts[k].Count == 0 ? null : problem);
            })],
            clock.Elapsed);
        if (all.Count == 0) return Done(_ => (0, null));
        if (!Chromium.IsAvailable) return Done(_ => (0, Chromium.MissingMessage));

        var dir = Path.Combine(Path.GetTempPath(), $"notebooks-charts-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, PlotlyOutputs.PlotlyJsFileName), PlotlyOutputs.PlotlyJs, new UTF8Encoding(false));
            var page = Path.Combine(dir, "charts.html");
            File.WriteAllText(page, Page(all.Select(c => PlotlyOutputs.WithoutPlotlyJs(PlotlyOutputs.Html(c)!))), new UTF8Encoding(false));
            string dom;
            try
            {
                dom = await Chromium.DumpDomAsync(page, TimeSpan.FromSeconds(60 + 30 * all.Count),
                    TimeSpan.FromSeconds(60 + 10 * all.Count), cancellationToken).ConfigureAwait(false);
            }
            catch (ChromiumException e)
            {
                return Done(_ => (0, e.Message));
            }

            var pngs = Png().Matches(dom).ToDictionary(m => int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture));
            var errors = Err().Matches(dom).ToDictionary(m => int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture), m => WebUtility.HtmlDecode(m.Groups["msg"].Value));
            var outcomes = new List<(int, string?)>();
            var n = 0;
            for (var k = 0; k < docs.Count; k++)
            {
                var problems = new List<string>();
                var rendered = 0;
                for (var i = 0; i < charts[k].Count; i++, n++)
                {
                    var output = charts[k][i];
                    var data = output["data"]!.AsObject();
                    data.Remove("image/png");
                    if (pngs.TryGetValue(n, out var m))
                    {
                        data["image/png"] = m.Groups["b64"].Value;
                        var meta = output["metadata"] as JsonObject ?? [];
                        meta["image/png"] = new JsonObject
                        {
                            ["width"] = int.Parse(m.Groups["w"].Value, CultureInfo.InvariantCulture),
                            ["height"] = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture),
                        };
                        output["metadata"] = meta;
                        rendered++;
                    }
                    else
                    {
                        problems.Add($"chart {i + 1}: {(errors.TryGetValue(n, out var msg) ? msg : "no image (the page did not finish)")}");
                    }
                }
                if (rendered > 0) docs[k].Save(executedNotebooks[k]);
                outcomes.Add((rendered, problems.Count == 0 ? null : string.Join("; ", problems)));
            }
            return Done(k => outcomes[k]);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// The page Chromium loads: plotly.js from a file next to it, each chart in its own box, and a
    /// script that waits for each chart to draw, exports it, and writes the data URL into the DOM.
    /// </summary>
    private static string Page(IEnumerable<string> charts)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>charts</title>");
        sb.Append("<script src=\"").Append(PlotlyOutputs.PlotlyJsFileName).Append("\"></script></head>");
        sb.Append("<body style=\"margin:0;width:1600px;background:white\">\n");
        var n = 0;
        foreach (var html in charts)
            sb.Append("<div class=\"nb-chart\" data-n=\"").Append(n++).Append("\" style=\"width:").Append(DefaultChartWidth).Append("px\">").Append(html).Append("</div>\n");
        sb.Append("<div id=\"nb-results\"></div>\n");
        sb.Append("""
            <script>
            (async function () {
              const results = document.getElementById('nb-results');
              const sleep = ms => new Promise(r => setTimeout(r, ms));
              for (const box of document.querySelectorAll('.nb-chart')) {
                const out = document.createElement('pre');
                try {
                  let gd = null;
                  for (let t = 0; t < 600 && !gd; t++) {
                    const c = box.querySelector('.js-plotly-plot');
                    if (c && c._fullLayout && c.querySelector('svg.main-svg')) gd = c; else await sleep(50);
                  }
                  if (!gd) throw new Error('the chart did not draw within 30 s');
                  const width = Math.round(gd._fullLayout.width), height = Math.round(gd._fullLayout.height);
                  const url = await Plotly.toImage(gd, { format: 'png', width: width, height: height });
                  out.id = 'png-' + box.dataset.n;
                  out.setAttribute('data-width', width);
                  out.setAttribute('data-height', height);
                  out.textContent = url;
                } catch (e) {
                  out.id = 'err-' + box.dataset.n;
                  out.textContent = String((e && e.message) || e);
                }
                results.appendChild(out);
              }
            })();
            </script>
            </body></html>
            """);
        return sb.ToString();
    }

    [GeneratedRegex("""<pre id="png-(?<n>\d+)" data-width="(?<w>\d+)" data-height="(?<h>\d+)">data:image/png;base64,(?<b64>[A-Za-z0-9+/=]+)</pre>""")]
    private static partial Regex Png();

    [GeneratedRegex("""<pre id="err-(?<n>\d+)">(?<msg>[^<]*)</pre>""")]
    private static partial Regex Err();
}
