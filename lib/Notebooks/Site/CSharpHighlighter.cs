using System.Net;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Notebooks.Site;

/// <summary>
/// Colours C# script code for the site with Roslyn's own lexer: keywords, strings, numbers, comments
/// and directives (<c>#r</c>, <c>#load</c>) become <c>&lt;span class="…"&gt;</c>; everything is HTML-escaped,
/// and the text of the result is exactly the source.
/// </summary>
public static class CSharpHighlighter
{
    private static readonly CSharpParseOptions ScriptOptions = new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Script);

    /// <summary>The code as HTML (no wrapping element).</summary>
    public static string ToHtml(string code)
    {
        var tree = CSharpSyntaxTree.ParseText(code, ScriptOptions);
        var sb = new StringBuilder(code.Length * 2);
        foreach (var token in tree.GetRoot().DescendantTokens(descendIntoTrivia: false))
        {
            Trivia(sb, token.LeadingTrivia);
            Span(sb, Classify(token), token.Text);
            Trivia(sb, token.TrailingTrivia);
        }
        return sb.ToString();
    }

    private static void Trivia(StringBuilder sb, SyntaxTriviaList list)
    {
        foreach (var t in list)
        {
            var cls = t.Kind() switch
            {
                SyntaxKind.SingleLineCommentTrivia or SyntaxKind.MultiLineCommentTrivia or SyntaxKind.SingleLineDocumentationCommentTrivia
                    or SyntaxKind.MultiLineDocumentationCommentTrivia or SyntaxKind.DisabledTextTrivia => "com",
                _ when t.IsDirective || t.Kind() is SyntaxKind.ShebangDirectiveTrivia or SyntaxKind.BadDirectiveTrivia => "dir",
                _ => null,
            };
            Span(sb, cls, t.ToFullString());
        }
    }

    private static string? Classify(SyntaxToken token)
    {
        var kind = token.Kind();
        if (SyntaxFacts.IsKeywordKind(kind)) return "kw";
        return kind switch
        {
            SyntaxKind.StringLiteralToken or SyntaxKind.CharacterLiteralToken or SyntaxKind.InterpolatedStringStartToken
                or SyntaxKind.InterpolatedStringEndToken or SyntaxKind.InterpolatedStringTextToken or SyntaxKind.InterpolatedVerbatimStringStartToken
                or SyntaxKind.InterpolatedRawStringEndToken or SyntaxKind.InterpolatedSingleLineRawStringStartToken
                or SyntaxKind.InterpolatedMultiLineRawStringStartToken or SyntaxKind.SingleLineRawStringLiteralToken
                or SyntaxKind.MultiLineRawStringLiteralToken or SyntaxKind.Utf8StringLiteralToken
                or SyntaxKind.Utf8SingleLineRawStringLiteralToken or SyntaxKind.Utf8MultiLineRawStringLiteralToken => "str",
            SyntaxKind.NumericLiteralToken => "num",
            SyntaxKind.IdentifierToken when IsKeywordLike(token) => "kw",
            SyntaxKind.IdentifierToken when token.Parent is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax => "type",
            _ => null,
        };
    }

    // Roslyn gives contextual keywords (async, await, get, record, when, …) keyword kinds where they act as
    // keywords; "var", "dynamic" and "nameof" stay identifiers, so colour them where they play that part.
    private static bool IsKeywordLike(SyntaxToken token) => token.Text switch
    {
        "var" or "dynamic" => token.Parent is IdentifierNameSyntax { Parent: VariableDeclarationSyntax or ForEachStatementSyntax or DeclarationExpressionSyntax },
        "nameof" => token.Parent is IdentifierNameSyntax { Parent: InvocationExpressionSyntax },
        _ => false,
    };

    private static void Span(StringBuilder sb, string? cls, string text)
    {
        if (text.Length == 0) return;
        if (cls is null)
        {
            sb.Append(WebUtility.HtmlEncode(text));
            return;
        }
        sb.Append("<span class=\"").Append(cls).Append("\">").Append(WebUtility.HtmlEncode(text)).Append("</span>");
    }
}
