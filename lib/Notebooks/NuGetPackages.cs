using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;

namespace Notebooks;

/// <summary>A <c>#r "nuget: …"</c> directive that cannot be satisfied; the message says why and what to change.</summary>
public sealed class NuGetDirectiveException(string message, string? details = null) : Exception(message)
{
    /// <summary>Extra lines (for example the end of <c>dotnet restore</c>'s output).</summary>
    public string? Details { get; } = details;
}

/// <summary>
/// Resolves <c>#r "nuget: Id, Version"</c>: packages the engine itself carries (Plotly.NET,
/// MathNet.Numerics, FSharp.Core, the Formatting package, …) are answered with the engine's loaded
/// assemblies so types stay identical; Plotly.NET.Interactive and Microsoft.DotNet.Interactive*
/// are satisfied by the engine; anything else is restored for real with <c>dotnet restore</c> in
/// a cached temporary net10.0 project.
/// </summary>
public sealed class NuGetPackages(string cacheDirectory)
{
    private readonly ConcurrentDictionary<string, Lazy<ImmutableArray<string>>> restored = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Default cache: <c>$XDG_CACHE_HOME/attention-tutorial/nuget</c>, else <c>~/.cache/attention-tutorial/nuget</c>.</summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "attention-tutorial", "nuget");
        }
    }

    /// <summary>The folder restore projects are written to.</summary>
    public string CacheDirectory { get; } = cacheDirectory;

    /// <summary>How long one restore may take.</summary>
    public TimeSpan RestoreTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Packages the engine carries, by id, with the assemblies that make them up.</summary>
    private static readonly Dictionary<string, string[]> HostPackages = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Plotly.NET"] = ["Plotly.NET", "FSharp.Core", "DynamicObj", "Giraffe.ViewEngine", "Fable.Core", "Newtonsoft.Json"],
        ["MathNet.Numerics"] = ["MathNet.Numerics"],
        ["FSharp.Core"] = ["FSharp.Core"],
        ["DynamicObj"] = ["DynamicObj", "FSharp.Core"],
        ["Giraffe.ViewEngine"] = ["Giraffe.ViewEngine", "FSharp.Core"],
        ["Fable.Core"] = ["Fable.Core", "FSharp.Core"],
        ["Newtonsoft.Json"] = ["Newtonsoft.Json"],
        ["Microsoft.DotNet.Interactive.Formatting"] = ["Microsoft.DotNet.Interactive.Formatting", "Microsoft.AspNetCore.Html.Abstractions"],
        ["Microsoft.AspNetCore.Html.Abstractions"] = ["Microsoft.AspNetCore.Html.Abstractions"],
    };

    /// <summary>Host assemblies that a restored package must not bring a second copy of.</summary>
    internal static IEnumerable<Assembly> HostAssemblies =>
        HostPackages.Values.SelectMany(a => a).Distinct().Select(TryLoad).OfType<Assembly>();

    /// <summary>Parses the text of a <c>#r</c> directive; null when it is not a nuget reference.</summary>
    public static (string Id, string? Version)? Parse(string reference)
    {
        var r = reference.Trim();
        if (!r.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase)) return null;
        var parts = r["nuget:".Length..].Split(',', StringSplitOptions.TrimEntries);
        var version = parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null;
        return (parts[0], version);
    }

    /// <summary>The dll paths a <c>#r "nuget: …"</c> directive stands for. Throws <see cref="NuGetDirectiveException"/>.</summary>
    public ImmutableArray<string> Resolve(string id, string? version)
    {
        if (id.Length == 0)
            throw new NuGetDirectiveException("#r \"nuget:\" names no package; write #r \"nuget: PackageId, Version\".");
        if (id.Equals("Plotly.NET.Interactive", StringComparison.OrdinalIgnoreCase))
            return HostFiles("Plotly.NET"); // the engine renders charts itself
        if (id.StartsWith("Microsoft.DotNet.Interactive", StringComparison.OrdinalIgnoreCase))
            return HostFiles("Microsoft.DotNet.Interactive.Formatting"); // the engine is the kernel
        if (version is null)
            throw new NuGetDirectiveException(
                $"#r \"nuget: {id}\" has no version; this project pins versions, so write #r \"nuget: {id}, <version>\" (see Directory.Packages.props).");
        if (HostPackages.TryGetValue(id, out var names))
        {
            var host = TryLoad(names[0]) ?? throw new NuGetDirectiveException($"The engine should carry {id} but cannot load it.");
            var hostVersion = HostVersion(host);
            if (Major(hostVersion) != Major(version))
                throw new NuGetDirectiveException(
                    $"This notebook asks for {id} {version}, but the engine carries {id} {hostVersion} and cannot load a second major version; write #r \"nuget: {id}, {hostVersion}\".");
            return HostFiles(id);
        }
        return restored.GetOrAdd($"{id}/{version}", _ => new Lazy<ImmutableArray<string>>(() => Restore(id, version))).Value;
    }

    private static ImmutableArray<string> HostFiles(string id) =>
        [.. HostPackages[id].Select(TryLoad).OfType<Assembly>().Select(a => a.Location)];

    private static Assembly? TryLoad(string name)
    {
        try { return Assembly.Load(new AssemblyName(name)); }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException) { return null; }
    }

    private static string HostVersion(Assembly a)
    {
        var info = a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(info)) return a.GetName().Version?.ToString(3) ?? "0";
        var plus = info.IndexOf('+');
        return plus < 0 ? info : info[..plus];
    }

    private static string Major(string version)
    {
        var v = version.TrimStart('[', '(');
        var dot = v.IndexOfAny(['.', '-', ',']);
        return dot < 0 ? v : v[..dot];
    }

    private ImmutableArray<string> Restore(string id, string version)
    {
        var project = $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <!-- Written by the notebook engine for #r "nuget: {id}, {version}". -->
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Library</OutputType>
                <EnableDefaultItems>false</EnableDefaultItems>
                <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                <NoWarn>NU1603;NU1701;NU1608</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{System.Security.SecurityElement.Escape(id)}" Version="{System.Security.SecurityElement.Escape(version)}" />
              </ItemGroup>
            </Project>
            """;
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{id.ToLowerInvariant()}/{version}")))[..16];
        var dir = Path.Combine(CacheDirectory, key);
        var projectPath = Path.Combine(dir, "restore.csproj");
        var assets = Path.Combine(dir, "obj", "project.assets.json");
        Directory.CreateDirectory(dir);
        using var _ = LockFolder(dir);
        var unchanged = File.Exists(projectPath) && File.ReadAllText(projectPath) == project && File.Exists(assets) && !HasErrors(assets);
        if (!unchanged)
        {
            // Empty Directory.* files stop MSBuild from importing any found further up.
            foreach (var f in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
                File.WriteAllText(Path.Combine(dir, f), "<Project />\n");
            File.WriteAllText(projectPath, project);
            if (File.Exists(assets)) File.Delete(assets);
            var (code, output) = RunRestore(dir, projectPath);
            File.WriteAllText(Path.Combine(dir, "restore.log"), output);
            if (code != 0 || !File.Exists(assets) || HasErrors(assets))
            {
                if (File.Exists(assets)) File.Delete(assets); // a failed restore still writes one: never reuse it
                var tail = string.Join("\n", output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(8));
                throw new NuGetDirectiveException(
                    $"NuGet package {id} {version} could not be restored (dotnet restore exited with {code}); check the package id and version (is it on the configured NuGet feed?).",
                    "Last lines of dotnet restore's output:\n" + tail);
            }
        }
        return ReadAssets(assets, id, version);
    }

    private static bool HasErrors(string assetsPath) =>
        JsonNode.Parse(File.ReadAllText(assetsPath))?["logs"] is JsonArray logs
        && logs.Any(l => string.Equals(l?["level"]?.GetValue<string>(), "Error", StringComparison.OrdinalIgnoreCase));

    /// <summary>Holds an exclusive lock file so that two sessions or processes never restore into one folder at once.</summary>
    private FileStream LockFolder(string dir)
    {
        var deadline = DateTime.UtcNow + RestoreTimeout;
        while (true)
        {
            try
            {
                return new FileStream(Path.Combine(dir, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    private (int Code, string Output) RunRestore(string dir, string projectPath)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "restore", projectPath, "--nologo", "-v", "q", "-nodeReuse:false", "--disable-build-servers", "-p:UseSharedCompilation=false" })
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var p = Process.Start(psi) ?? throw new NuGetDirectiveException("Could not start `dotnet restore`; is the .NET SDK on PATH?");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(RestoreTimeout))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            return (-1, $"dotnet restore did not finish within {RestoreTimeout.TotalSeconds:0} s");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static ImmutableArray<string> ReadAssets(string assetsPath, string id, string version)
    {
        var root = JsonNode.Parse(File.ReadAllText(assetsPath))!;
        var folders = root["packageFolders"]!.AsObject().Select(kv => kv.Key).ToList();
        var target = root["targets"]!.AsObject().FirstOrDefault(kv => kv.Key == "net10.0" || kv.Key.StartsWith(".NETCoreApp,Version=v10.0", StringComparison.Ordinal)).Value?.AsObject()
                     ?? throw new NuGetDirectiveException($"The restore of {id} {version} produced no net10.0 target; the package may not support .NET 10.");
        var libraries = root["libraries"]!.AsObject();
        var tpa = ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(Path.GetFileNameWithoutExtension)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var files = new List<string>();
        foreach (var (key, node) in target)
        {
            if (node?["type"]?.GetValue<string>() != "package") continue;
            var name = key[..key.IndexOf('/')];
            if (HostPackages.ContainsKey(name))
            {
                files.AddRange(HostFiles(name));
                continue;
            }
            var rel = libraries[key]?["path"]?.GetValue<string>() ?? key.ToLowerInvariant();
            var items = node["runtime"] as JsonObject is { Count: > 0 } runtime ? runtime : node["compile"] as JsonObject;
            if (items is null) continue;
            foreach (var (item, _) in items)
            {
                if (!item.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) continue; // skips "_._"
                if (tpa.Contains(Path.GetFileNameWithoutExtension(item))) continue; // part of the runtime already
                var path = folders.Select(f => Path.Combine(f, rel, item)).FirstOrDefault(File.Exists);
                if (path is not null) files.Add(path);
            }
        }
        return [.. files.Distinct()];
    }
}

/// <summary>
/// Roslyn's script metadata resolver plus <c>#r "nuget: …"</c>. Roslyn accepts a single reference
/// per directive, so the session resolves packages before compiling and adds all their assemblies to
/// the submission; here a nuget directive only answers with the package's first assembly.
/// </summary>
internal sealed class NotebookMetadataResolver(MetadataReferenceResolver inner, NuGetPackages packages) : MetadataReferenceResolver
{
    public override bool ResolveMissingAssemblies => inner.ResolveMissingAssemblies;

    public override PortableExecutableReference? ResolveMissingAssembly(MetadataReference definition, AssemblyIdentity referenceIdentity) =>
        inner.ResolveMissingAssembly(definition, referenceIdentity);

    public override ImmutableArray<PortableExecutableReference> ResolveReference(string reference, string? baseFilePath, MetadataReferenceProperties properties)
    {
        if (NuGetPackages.Parse(reference) is not { } package)
            return inner.ResolveReference(reference, baseFilePath, properties);
        try
        {
            var files = packages.Resolve(package.Id, package.Version);
            var file = files.Length > 0 ? files[0] : typeof(NotebookMetadataResolver).Assembly.Location;
            return [MetadataFiles.Reference(file, properties)];
        }
        catch (NuGetDirectiveException)
        {
            return []; // reported before compiling; the compiler adds CS0006
        }
    }

    public override bool Equals(object? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
