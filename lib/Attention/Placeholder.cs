namespace Attention; internal static class Placeholder {}
