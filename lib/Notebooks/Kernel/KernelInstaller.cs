using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Notebooks.Kernel;

/// <summary>What <see cref="KernelInstaller.Install"/> did.</summary>
/// <param name="Name">The kernel's name (what notebooks put in metadata.kernelspec.name).</param>
/// <param name="Directory">The kernelspec folder (holds kernel.json).</param>
/// <param name="Action">"installed", "updated" (a kernelspec this command wrote earlier) or "replaced" (with --force).</param>
/// <param name="Backup">Where a replaced kernelspec was moved, or null.</param>
public sealed record KernelInstallation(string Name, string Directory, string Action, string? Backup);

/// <summary>
/// Writes a Jupyter kernelspec (a folder with kernel.json) that starts this kernel:
/// <c>dotnet &lt;Notebooks.dll&gt; kernel --connection-file {connection_file}</c>. A kernelspec this command
/// wrote carries a marker in its metadata (<see cref="MarkerKey"/>) and may be updated in place; any other
/// kernelspec of the same name (for example the legacy .NET Interactive one) is only replaced with
/// <c>force</c>, and is then moved to a backup folder, not deleted.
/// </summary>
public static partial class KernelInstaller
{
    /// <summary>The name .NET Interactive notebooks ask for, so they open with this kernel and no prompt.</summary>
    public const string DefaultName = ".net-csharp";

    /// <summary>The display name front ends show in their kernel pickers.</summary>
    public const string DisplayName = ".NET (C#)";

    /// <summary>The key under kernel.json's metadata that marks a kernelspec written by this installer.</summary>
    public const string MarkerKey = "notebooks_engine";

    /// <summary>
    /// Jupyter's data folder, as jupyter_core finds it: <c>$JUPYTER_DATA_DIR</c>; else on Linux
    /// <c>$XDG_DATA_HOME/jupyter</c> or <c>~/.local/share/jupyter</c>, on macOS <c>~/Library/Jupyter</c>,
    /// on Windows <c>%APPDATA%\jupyter</c>.
    /// </summary>
    public static string JupyterDataDirectory()
    {
        var env = Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR");
        if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsWindows()) return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "jupyter");
        if (OperatingSystem.IsMacOS()) return Path.Combine(home, "Library", "Jupyter");
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".local", "share") : Path.GetFullPath(xdg), "jupyter");
    }

    /// <summary>The kernels folder under a prefix, as <c>jupyter kernelspec install --prefix</c> uses it.</summary>
    public static string KernelsDirectoryForPrefix(string prefix) => Path.Combine(Path.GetFullPath(prefix), "share", "jupyter", "kernels");

    /// <summary>The kernel.json this installer writes for the engine at <paramref name="engineDll"/>.</summary>
    public static JsonObject KernelJson(string engineDll, string name) => new()
    {
        ["argv"] = new JsonArray("dotnet", Path.GetFullPath(engineDll), "kernel", "--connection-file", "{connection_file}"),
        ["display_name"] = name == DefaultName ? DisplayName : $".NET (C#, {name})",
        ["language"] = "C#",
        ["interrupt_mode"] = "message",
        ["metadata"] = new JsonObject
        {
            ["debugger"] = false,
            [MarkerKey] = new JsonObject
            {
                ["written_by"] = "dotnet run --project lib/Notebooks -- install-kernel",
                ["engine"] = Path.GetFullPath(engineDll),
            },
        },
    };

    /// <summary>
    /// Installs (or updates) kernelspec <paramref name="name"/> in <paramref name="kernelsDirectory"/>. Throws
    /// <see cref="KernelConfigurationException"/> for a bad name, a missing engine, or a foreign kernelspec of
    /// that name without <paramref name="force"/>.
    /// </summary>
    public static KernelInstallation Install(string kernelsDirectory, string name, bool force, string engineDll)
    {
        if (!ValidName().IsMatch(name) || name is "." or "..")
            throw new KernelConfigurationException($"\"{name}\" is not a valid kernel name; Jupyter allows letters, digits, '.', '_' and '-' (for example --name dotnet-tutorial).");
        name = name.ToLowerInvariant(); // Jupyter looks kernel names up in lower case
        if (!File.Exists(engineDll))
            throw new KernelConfigurationException($"the engine {engineDll} does not exist; build it first (dotnet build lib/Notebooks) or run this command with dotnet run --project lib/Notebooks -- install-kernel.");

        kernelsDirectory = Path.GetFullPath(kernelsDirectory);
        var target = Path.Combine(kernelsDirectory, name);
        var json = KernelJson(engineDll, name).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        var existing = Directory.Exists(target) || File.Exists(target);
        if (existing && IsOurs(target))
        {
            // Update in place: a temporary file in the same folder, renamed over kernel.json (other files are kept).
            var file = Path.Combine(target, "kernel.json");
            var temp = Path.Combine(target, $".kernel.json.{Guid.NewGuid():N}.tmp");
            File.WriteAllText(temp, json);
            File.Move(temp, file, overwrite: true);
            return new KernelInstallation(name, target, "updated", null);
        }
        if (existing && !force)
            throw new KernelConfigurationException($"a kernel named {name} is already installed at {target} and was not written by this command ({Describe(target)}). " +
                $"Pass --name NAME to install this kernel beside it, or --force to replace it (it is moved to a backup folder, not deleted).");

        Directory.CreateDirectory(kernelsDirectory);
        // Build the folder next to kernels/ (where Jupyter does not look), then rename it into place.
        var parent = Path.GetDirectoryName(kernelsDirectory)!;
        var staging = Path.Combine(parent, $".kernel-install-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            File.WriteAllText(Path.Combine(staging, "kernel.json"), json);
            string? backup = null;
            if (existing)
            {
                var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
                backup = Path.Combine(parent, "kernel-backups", $"{name}-{stamp}");
                Directory.CreateDirectory(Path.GetDirectoryName(backup)!);
                if (Directory.Exists(target)) Directory.Move(target, backup);
                else File.Move(target, backup);
            }
            Directory.Move(staging, target);
            return new KernelInstallation(name, target, existing ? "replaced" : "installed", backup);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>True when <paramref name="kernelDirectory"/>'s kernel.json carries this installer's marker.</summary>
    public static bool IsOurs(string kernelDirectory)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(Path.Combine(kernelDirectory, "kernel.json")))?["metadata"]?[MarkerKey] is JsonObject;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return false;
        }
    }

    private static string Describe(string target)
    {
        try
        {
            var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(target, "kernel.json")));
            var display = spec?["display_name"]?.GetValue<string>() ?? "no display name";
            var argv = spec?["argv"] is JsonArray a ? string.Join(' ', a.Select(x => x?.ToString())) : "no argv";
            return $"\"{display}\", runs: {argv}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            return "its kernel.json is missing or unreadable";
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9._-]+$")]
    private static partial Regex ValidName();
}
