namespace Attention.Plots; internal static class Placeholder {}
