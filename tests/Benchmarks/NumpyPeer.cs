using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Benchmarks;

/// <summary>The numpy figures of one run of the peer script, keyed like our own measurements.</summary>
internal sealed class NumpyFigures
{
    /// <summary>Attention medians in ms, by (dtype "float32"/"float64", n).</summary>
    public Dictionary<(string Type, int N), double> Attention { get; } = [];

    /// <summary>Causal attention medians in ms.</summary>
    public Dictionary<(string Type, int N), double> CausalAttention { get; } = [];

    public double? SoftmaxMs { get; set; }
    public int SoftmaxSide { get; set; }
    public double? TableMs { get; set; }
    public (int Positions, int Width) TableShape { get; set; }
    public double? SgemmGflops { get; set; }
    public int SgemmSize { get; set; }

    /// <summary>The faster of two runs for every figure: the machine is shared, so a slow run is noise and keeping
    /// numpy's better time makes every ratio conservative.</summary>
    public static NumpyFigures Best(NumpyFigures a, NumpyFigures? b)
    {
        if (b is null) return a;
        var best = new NumpyFigures { SoftmaxSide = a.SoftmaxSide, TableShape = a.TableShape, SgemmSize = a.SgemmSize };
        Merge(a.Attention, b.Attention, best.Attention);
        Merge(a.CausalAttention, b.CausalAttention, best.CausalAttention);
        best.SoftmaxMs = Min(a.SoftmaxMs, b.SoftmaxMs);
        best.TableMs = Min(a.TableMs, b.TableMs);
        best.SgemmGflops = a.SgemmGflops is null ? b.SgemmGflops : b.SgemmGflops is null ? a.SgemmGflops : Math.Max(a.SgemmGflops.Value, b.SgemmGflops.Value);
        return best;
    }

    private static void Merge(Dictionary<(string, int), double> a, Dictionary<(string, int), double> b, Dictionary<(string, int), double> into)
    {
        foreach (var key in a.Keys.Union(b.Keys))
            into[key] = Min(a.TryGetValue(key, out var x) ? x : null, b.TryGetValue(key, out var y) ? y : null)!.Value;
    }

    private static double? Min(double? a, double? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}

/// <summary>
/// Finds and runs the numpy peer: Debian's numpy (under <c>/usr/bin/python3</c>, OpenBLAS) running the shared
/// script <c>../shared/bench/numpy_sdpa.py</c> (relative to the repository root), or this project's own
/// <c>numpy_peer.py</c> when that is missing, with <c>OPENBLAS_NUM_THREADS</c> set to the thread count.
/// </summary>
internal sealed class NumpyPeer
{
    public string Python { get; }
    public string Script { get; }
    public string Description { get; }

    private NumpyPeer(string python, string script, string description)
    {
        Python = python;
        Script = script;
        Description = description;
    }

    /// <summary>The peer, or null with the reason it is not available.</summary>
    public static (NumpyPeer? Peer, string Message) Find(string repositoryRoot)
    {
        string shared = Path.GetFullPath(Path.Combine(repositoryRoot, "..", "shared", "bench", "numpy_sdpa.py"));
        string own = Path.Combine(AppContext.BaseDirectory, "numpy_peer.py");
        string script = File.Exists(shared) ? shared : own;
        string which = File.Exists(shared) ? $"the shared peer script {shared}" : $"this project's own script {own} (../shared/bench/numpy_sdpa.py is not there)";
        foreach (var python in new[] { "/usr/bin/python3", "python3" })
        {
            var (code, output) = Run(python, ["-c",
                "import numpy, sys\n" +
                "numpy.ones((64, 64)) @ numpy.ones((64, 64))\n" +
                "maps = open('/proc/self/maps').read() if sys.platform.startswith('linux') else ''\n" +
                "blas = 'OpenBLAS' if 'openblas' in maps else ('reference BLAS' if 'libblas' in maps else 'unknown BLAS')\n" +
                "print(numpy.__version__, numpy.__file__, blas)"], threads: 1, TimeSpan.FromSeconds(60));
            if (code != 0) continue;
            var parts = output.Trim().Split(' ', 3);
            if (parts.Length < 3) continue;
            string origin = parts[1].StartsWith("/usr/lib/python3/", StringComparison.Ordinal) ? "Debian's python3-numpy" : $"numpy from {Path.GetDirectoryName(parts[1])}";
            return (new NumpyPeer(python, script, $"numpy {parts[0]} ({origin}, {parts[2]}) via {python}, running {which}"), "");
        }
        return (null, "numpy is not available: neither /usr/bin/python3 nor python3 on PATH can import numpy " +
                      "(on Debian: apt-get install -y python3-numpy libopenblas0-pthread). The table shows our kernels only.");
    }

    /// <summary>Runs the script once with <paramref name="threads"/> BLAS threads.</summary>
    public NumpyFigures Measure(IReadOnlyList<int> lengths, int threads, bool quick)
    {
        var args = new List<string> { Script };
        if (quick && Script.EndsWith("numpy_peer.py", StringComparison.Ordinal)) args.Add("--quick");
        args.AddRange(lengths.Select(n => n.ToString(CultureInfo.InvariantCulture)));
        var (code, output) = Run(Python, args, threads, TimeSpan.FromMinutes(20));
        if (code != 0) throw new InvalidOperationException($"The numpy peer failed (exit code {code}):\n{output}");
        return Parse(output);
    }

    private static readonly Regex SdpaLine = new(@"^sdpa (float32|float64) n=(\d+) d=\d+: ([\d.]+) ms .*causal ([\d.]+) ms", RegexOptions.Multiline);
    private static readonly Regex SoftmaxLine = new(@"^softmax f32 (\d+)x\d+: ([\d.]+) ms", RegexOptions.Multiline);
    private static readonly Regex TableLine = new(@"^pe table (\d+)x(\d+) f64: ([\d.]+) ms", RegexOptions.Multiline);
    private static readonly Regex SgemmLine = new(@"^sgemm (\d+)\^3: ([\d.]+) GFLOP/s", RegexOptions.Multiline);

    internal static NumpyFigures Parse(string output)
    {
        var figures = new NumpyFigures();
        static double D(Group g) => double.Parse(g.Value, CultureInfo.InvariantCulture);
        static int I(Group g) => int.Parse(g.Value, CultureInfo.InvariantCulture);
        foreach (Match m in SdpaLine.Matches(output))
        {
            figures.Attention[(m.Groups[1].Value, I(m.Groups[2]))] = D(m.Groups[3]);
            figures.CausalAttention[(m.Groups[1].Value, I(m.Groups[2]))] = D(m.Groups[4]);
        }
        if (SoftmaxLine.Match(output) is { Success: true } s) { figures.SoftmaxSide = I(s.Groups[1]); figures.SoftmaxMs = D(s.Groups[2]); }
        if (TableLine.Match(output) is { Success: true } t) { figures.TableShape = (I(t.Groups[1]), I(t.Groups[2])); figures.TableMs = D(t.Groups[3]); }
        if (SgemmLine.Match(output) is { Success: true } g) { figures.SgemmSize = I(g.Groups[1]); figures.SgemmGflops = D(g.Groups[2]); }
        if (figures.Attention.Count == 0)
            throw new InvalidOperationException($"The numpy peer printed no attention timings; its output was:\n{output}");
        return figures;
    }

    private static (int Code, string Output) Run(string file, IEnumerable<string> args, int threads, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        string t = threads.ToString(CultureInfo.InvariantCulture);
        info.Environment["OPENBLAS_NUM_THREADS"] = t;
        info.Environment["OMP_NUM_THREADS"] = t;
        info.Environment["MKL_NUM_THREADS"] = t;
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"timed out after {timeout.TotalMinutes:F0} min");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
