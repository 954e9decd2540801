using System.Text.Json.Nodes;
using Attention.Training;

namespace Attention.Tests;

/// <summary>The document the Transformer's numpy peer (tests/Benchmarks/transformer_peer.py) reads: the model's settings,
/// every parameter by name (rows, cols, row-major data) and the padded batch. Shared by the equality test and the
/// benchmark.</summary>
internal static class TransformerPeerDocument
{
    /// <summary>The interchange document the peer reads: settings, every parameter by name, the padded batch.</summary>
    public static JsonObject Create(Seq2SeqTransformer model, Seq2SeqBatch batch)
    {
        var s = model.Settings;
        var parameters = new JsonObject();
        foreach (var p in model.Parameters)
            parameters[p.Name] = new JsonObject { ["rows"] = p.Value.Rows, ["cols"] = p.Value.Cols, ["data"] = new JsonArray([.. p.Value.Data.Select(v => (JsonNode)v)]) };
        JsonArray Rows(int[][] rows) => new([.. rows.Select(r => (JsonNode)new JsonArray([.. r.Select(v => (JsonNode)v)]))]);
        return new JsonObject
        {
            ["settings"] = new JsonObject
            {
                ["vocabulary"] = s.Vocabulary, ["dModel"] = s.DModel, ["heads"] = s.Heads, ["hidden"] = s.Hidden, ["layers"] = s.Layers,
                ["norm"] = s.Norm switch { NormPlacement.PreNorm => "pre", NormPlacement.PostNorm => "post", _ => "none" },
                ["residual"] = s.Residual,
            },
            ["parameters"] = parameters,
            ["batch"] = new JsonObject
            {
                ["src"] = Rows(batch.Source), ["srcLen"] = new JsonArray([.. batch.Sources.Lengths.Select(v => (JsonNode)v)]),
                ["tgtIn"] = Rows(batch.TargetIn), ["tgtOut"] = Rows(batch.TargetOut),
            },
        };
    }

}
