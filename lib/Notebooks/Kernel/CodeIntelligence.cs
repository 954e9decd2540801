using System.ComponentModel;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Notebooks.Kernel;

/// <summary>One completion: the text to insert and what it is ("function", "property", "variable", "class", "module", "keyword", …).</summary>
public sealed record CompletionItem(string Text, string Kind);

/// <summary>Completions for the text between <paramref name="Start"/> and <paramref name="End"/> (UTF-16 offsets into the code).</summary>
public sealed record Completions(IReadOnlyList<CompletionItem> Items, int Start, int End);

/// <summary>
/// Completion, inspection and "is this cell complete?" for the C# being edited, against a session's
/// current state: the code is compiled as the session's next cell (not run) and Roslyn's semantic model
/// answers. Members after a dot (instance members and extension methods of an expression's type, static
/// members of a type, the contents of a namespace); otherwise every name in scope (earlier cells'
/// variables and methods, imported types and namespaces) and C# keywords.
/// </summary>
public static class CodeIntelligence
{
    private static readonly CSharpParseOptions ScriptParse = CSharpParseOptions.Default.WithKind(SourceCodeKind.Script).WithLanguageVersion(LanguageVersion.Latest);

    private static readonly string[] Keywords =
    [
        .. SyntaxFacts.GetKeywordKinds().Concat(SyntaxFacts.GetContextualKeywordKinds())
            .Select(SyntaxFacts.GetText).Where(k => k.Length > 0 && char.IsLetter(k[0])).Distinct(StringComparer.Ordinal),
    ];

    /// <summary>Completions at <paramref name="cursor"/> (a UTF-16 offset into <paramref name="code"/>).</summary>
    public static Completions Complete(ScriptSession session, string code, int cursor)
    {
        cursor = Math.Clamp(cursor, 0, code.Length);
        var start = cursor;
        while (start > 0 && IsIdentifierChar(code[start - 1])) start--;
        var empty = new Completions([], start, cursor);
        if (start < cursor && char.IsDigit(code[start])) return empty; // a number, not a name

        var (compilation, tree) = session.CompileForTooling(BlankDirectives(code));
        var model = compilation.GetSemanticModel(tree);
        var root = tree.GetRoot();
        if (InCommentOrString(root, start)) return empty;

        var prefix = code[start..cursor];
        var before = start;
        while (before > 0 && char.IsWhiteSpace(code[before - 1])) before--;
        var left = before > 0 ? root.FindToken(before - 1) : default;
        IEnumerable<ISymbol> symbols;
        var keywords = false;
        if (left.IsKind(SyntaxKind.DotToken))
        {
            if (Receiver(left) is not { } receiver) return empty;
            symbols = MembersOf(model, receiver, start);
        }
        else
        {
            symbols = model.LookupSymbols(start);
            keywords = true;
        }

        var items = new Dictionary<string, CompletionItem>(StringComparer.Ordinal);
        foreach (var s in symbols)
        {
            if (!s.CanBeReferencedByName || s.Name.Length == 0 || !s.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
            if (items.ContainsKey(s.Name) || IsHidden(s)) continue;
            items[s.Name] = new CompletionItem(s.Name, KindOf(s));
        }
        if (keywords)
            foreach (var k in Keywords)
                if (k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) items.TryAdd(k, new CompletionItem(k, "keyword"));

        var sorted = items.Values
            .OrderBy(i => i.Text.StartsWith(prefix, StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(i => i.Text, StringComparer.OrdinalIgnoreCase)
            .ThenBy(i => i.Text, StringComparer.Ordinal)
            .ToList();
        return new Completions(sorted, start, cursor);
    }

    /// <summary>
    /// What the name at <paramref name="cursor"/> is: its declaration (every overload of a method group) and the
    /// summary from its XML documentation; inside a call's parentheses, the method called. Null when there is no symbol there.
    /// </summary>
    public static string? Inspect(ScriptSession session, string code, int cursor)
    {
        cursor = Math.Clamp(cursor, 0, code.Length);
        var (compilation, tree) = session.CompileForTooling(BlankDirectives(code));
        var model = compilation.GetSemanticModel(tree);
        var root = tree.GetRoot();
        var token = root.FindToken(cursor);
        if (!IsNameToken(token) && cursor > 0) token = root.FindToken(cursor - 1);
        if (!IsNameToken(token))
        {
            // Inside a call's parentheses: the method being called.
            var args = token.Parent?.FirstAncestorOrSelf<SyntaxNode>(n => n is ArgumentListSyntax);
            var callee = args?.Parent switch
            {
                InvocationExpressionSyntax call => (SyntaxNode)call.Expression,
                BaseObjectCreationExpressionSyntax creation => creation,
                _ => null,
            };
            if (callee is null) return null;
            token = callee is MemberAccessExpressionSyntax ma ? ma.Name.Identifier : callee.GetLastToken();
        }
        var node = token.Parent!;
        if (node.Parent is MemberAccessExpressionSyntax access && access.Name == node) node = access;
        var symbols = SymbolsAt(model, node, token);
        if (symbols.Count == 0) return null;

        var position = token.SpanStart;
        var text = new StringBuilder();
        foreach (var s in symbols.Take(12)) text.AppendLine(Describe(s, model, position));
        if (symbols.Count > 12) text.AppendLine($"(+{symbols.Count - 12} more overloads)");
        if (XmlDocumentation.Summary(symbols[0], compilation) is { Length: > 0 } summary)
            text.AppendLine().AppendLine(summary);
        return text.ToString().TrimEnd();
    }

    /// <summary>
    /// Whether <paramref name="code"/> is a complete cell ("complete"), needs more lines ("incomplete", with the
    /// indent for the next line) or cannot become valid by adding lines ("invalid").
    /// </summary>
    public static (string Status, string Indent) IsComplete(string code)
    {
        if (string.IsNullOrWhiteSpace(code)) return ("complete", "");
        var tree = CSharpSyntaxTree.ParseText(code, ScriptParse);
        if (!SyntaxFactory.IsCompleteSubmission(tree))
        {
            var depth = tree.GetRoot().DescendantTokens().Count(t => t.IsKind(SyntaxKind.OpenBraceToken) && !t.IsMissing)
                - tree.GetRoot().DescendantTokens().Count(t => t.IsKind(SyntaxKind.CloseBraceToken) && !t.IsMissing);
            return ("incomplete", new string(' ', 4 * Math.Max(0, depth)));
        }
        return tree.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error) ? ("invalid", "") : ("complete", "");
    }

    /// <summary>
    /// Turns directive lines (<c>#r</c>, <c>#load</c>, <c>#!</c> magics) into comments of the same length, so
    /// offsets stay right and tooling never restores packages or reads files.
    /// </summary>
    internal static string BlankDirectives(string code)
    {
        if (!code.Contains('#', StringComparison.Ordinal)) return code;
        var chars = code.ToCharArray();
        var lineStart = 0;
        for (var i = 0; i <= chars.Length; i++)
        {
            if (i < chars.Length && chars[i] != '\n') continue;
            var j = lineStart;
            while (j < i && chars[j] is ' ' or '\t') j++;
            if (j + 1 < i && chars[j] == '#' && (chars[j + 1] is 'r' or '!' || (chars[j + 1] == 'l' && new string(chars, j, Math.Min(5, i - j)) == "#load")))
            {
                chars[j] = '/';
                chars[j + 1] = '/';
            }
            lineStart = i + 1;
        }
        return new string(chars);
    }

    private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static bool IsNameToken(SyntaxToken t) => t.IsKind(SyntaxKind.IdentifierToken) || SyntaxFacts.IsPredefinedType(t.Kind());

    private static bool InCommentOrString(SyntaxNode root, int position)
    {
        if (position > 0)
        {
            var trivia = root.FindTrivia(position - 1);
            if (trivia.IsKind(SyntaxKind.SingleLineCommentTrivia) || trivia.IsKind(SyntaxKind.MultiLineCommentTrivia)
                || trivia.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia)) return true;
        }
        var token = root.FindToken(Math.Max(0, position - 1));
        return token.Span.Contains(position) && position > token.SpanStart
            && (token.IsKind(SyntaxKind.StringLiteralToken) || token.IsKind(SyntaxKind.CharacterLiteralToken)
                || token.IsKind(SyntaxKind.InterpolatedStringTextToken) || token.IsKind(SyntaxKind.Utf8StringLiteralToken));
    }

    /// <summary>The expression or name left of a dot: <c>x.</c>, <c>x?.</c>, <c>System.</c> in a type or using.</summary>
    private static SyntaxNode? Receiver(SyntaxToken dot) => dot.Parent switch
    {
        MemberAccessExpressionSyntax ma when ma.OperatorToken == dot => ma.Expression,
        MemberBindingExpressionSyntax mb => mb.FirstAncestorOrSelf<ConditionalAccessExpressionSyntax>()?.Expression,
        QualifiedNameSyntax qn => qn.Left,
        _ => null,
    };

    private static IEnumerable<ISymbol> MembersOf(SemanticModel model, SyntaxNode receiver, int position)
    {
        var info = model.GetSymbolInfo(receiver);
        var symbol = info.Symbol ?? (info.CandidateSymbols.Length == 1 ? info.CandidateSymbols[0] : null);
        switch (symbol)
        {
            case INamespaceSymbol ns:
                return model.LookupNamespacesAndTypes(position, ns);
            case ITypeSymbol type: // a type's name: its static members and nested types
                return model.LookupStaticMembers(position, type);
        }
        var t = model.GetTypeInfo(receiver).Type;
        if (t is null || t.TypeKind == TypeKind.Error) return [];
        if (receiver.Parent is ConditionalAccessExpressionSyntax && t is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            t = nullable.TypeArguments[0];
        return model.LookupSymbols(position, t, includeReducedExtensionMethods: true)
            .Where(s => !s.IsStatic || s is IMethodSymbol { ReducedFrom: not null });
    }

    private static List<ISymbol> SymbolsAt(SemanticModel model, SyntaxNode node, SyntaxToken token)
    {
        if (model.GetDeclaredSymbol(node) is { } declared && token.Parent == node) return [declared];
        var info = model.GetSymbolInfo(node);
        if (info.Symbol is { } s) return [s];
        var group = model.GetMemberGroup(node);
        if (group.Length > 0) return [.. group];
        if (info.CandidateSymbols.Length > 0) return [.. info.CandidateSymbols];
        return model.GetTypeInfo(node).Type is { TypeKind: not TypeKind.Error } type ? [type] : [];
    }

    private static readonly SymbolDisplayFormat SignatureFormat = SymbolDisplayFormat.MinimallyQualifiedFormat
        .AddMemberOptions(SymbolDisplayMemberOptions.IncludeContainingType | SymbolDisplayMemberOptions.IncludeModifiers)
        .AddParameterOptions(SymbolDisplayParameterOptions.IncludeDefaultValue)
        .AddKindOptions(SymbolDisplayKindOptions.IncludeTypeKeyword | SymbolDisplayKindOptions.IncludeNamespaceKeyword);

    private static string Describe(ISymbol s, SemanticModel model, int position)
    {
        var format = s.ContainingType is { IsScriptClass: true } ? SignatureFormat.RemoveMemberOptions(SymbolDisplayMemberOptions.IncludeContainingType) : SignatureFormat;
        var text = s.ToMinimalDisplayString(model, position, format);
        return s switch
        {
            IFieldSymbol { ContainingType.IsScriptClass: true } => $"(variable) {text}",
            ILocalSymbol => $"(local) {text}",
            IParameterSymbol => $"(parameter) {text}",
            _ => text,
        };
    }

    private static string KindOf(ISymbol s) => s switch
    {
        IMethodSymbol => "function",
        IPropertySymbol or IEventSymbol => "property",
        IFieldSymbol { ContainingType.IsScriptClass: true } or ILocalSymbol or IRangeVariableSymbol => "variable",
        IParameterSymbol => "param",
        IFieldSymbol => "field",
        INamespaceSymbol => "module",
        ITypeSymbol => "class",
        _ => "instance",
    };

    private static bool IsHidden(ISymbol s) => s.GetAttributes().Any(a =>
        a.AttributeClass?.ToDisplayString() == typeof(EditorBrowsableAttribute).FullName
        && a.ConstructorArguments is [{ Value: int state }] && state == (int)EditorBrowsableState.Never);
}
