using System.ComponentModel;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Notebooks;

/// <summary>
/// Cooperative stopping of a cell's loops. .NET cannot abort a thread, so a cell that spins
/// (<c>while (true) { }</c>) would keep a core busy for the life of the process after it was
/// interrupted or timed out. Before a cell is compiled, the engine puts a call to
/// <see cref="Check"/> at the start of every loop body in the cell's own code (not in the
/// libraries it calls); once the cell's run is cancelled that call throws, so the loop ends at
/// its next iteration. The call is added on the loop's first line, so line numbers in stack
/// traces do not move. Not an API for cells.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CellInterruption
{
    private static readonly Lock Gate = new();
    private static int lastRun;
    private static byte[] cancelled = new byte[256]; // indexed by run id; replaced (never shrunk) when it grows

    /// <summary>Throws <see cref="OperationCanceledException"/> once run <paramref name="run"/> was cancelled. Called by instrumented loops.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(int run)
    {
        var flags = Volatile.Read(ref cancelled);
        if ((uint)run < (uint)flags.Length && flags[run] != 0) Throw(run);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(int run) => throw new OperationCanceledException($"run {run} of a notebook cell was interrupted.");

    /// <summary>A new run id (unique in the process).</summary>
    internal static int NewRun() => Interlocked.Increment(ref lastRun);

    /// <summary>Marks run <paramref name="run"/> as cancelled: its instrumented loops throw from their next iteration on.</summary>
    internal static void Cancel(int run)
    {
        lock (Gate)
        {
            var flags = cancelled;
            if (run >= flags.Length)
            {
                var grown = new byte[Math.Max(flags.Length * 2, run + 1)];
                flags.CopyTo(grown, 0);
                grown[run] = 1;
                Volatile.Write(ref cancelled, grown);
            }
            else Volatile.Write(ref flags[run], 1);
        }
    }

    /// <summary>
    /// Returns <paramref name="code"/> with a <see cref="Check"/> call for run <paramref name="run"/> at the
    /// start of every loop body, or the code itself when it has no loops. No line breaks are added.
    /// </summary>
    internal static string Instrument(string code, int run, CSharpParseOptions parseOptions)
    {
        if (!MayLoop(code)) return code;
        var root = CSharpSyntaxTree.ParseText(code, parseOptions).GetRoot();
        var rewritten = new LoopRewriter(run).Visit(root);
        return rewritten == root ? code : rewritten.ToFullString();
    }

    private static bool MayLoop(string code) =>
        code.Contains("while", StringComparison.Ordinal) || code.Contains("for", StringComparison.Ordinal) || code.Contains("do", StringComparison.Ordinal);

    private sealed class LoopRewriter(int run) : CSharpSyntaxRewriter
    {
        private StatementSyntax NewCheck() =>
            SyntaxFactory.ParseStatement($"global::Notebooks.CellInterruption.Check({run});");

        public override SyntaxNode? VisitWhileStatement(WhileStatementSyntax node)
        {
            var visited = (WhileStatementSyntax)base.VisitWhileStatement(node)!;
            return visited.WithStatement(Guard(visited.Statement));
        }

        public override SyntaxNode? VisitDoStatement(DoStatementSyntax node)
        {
            var visited = (DoStatementSyntax)base.VisitDoStatement(node)!;
            return visited.WithStatement(Guard(visited.Statement));
        }

        public override SyntaxNode? VisitForStatement(ForStatementSyntax node)
        {
            var visited = (ForStatementSyntax)base.VisitForStatement(node)!;
            return visited.WithStatement(Guard(visited.Statement));
        }

        public override SyntaxNode? VisitForEachStatement(ForEachStatementSyntax node)
        {
            var visited = (ForEachStatementSyntax)base.VisitForEachStatement(node)!;
            return visited.WithStatement(Guard(visited.Statement));
        }

        public override SyntaxNode? VisitForEachVariableStatement(ForEachVariableStatementSyntax node)
        {
            var visited = (ForEachVariableStatementSyntax)base.VisitForEachVariableStatement(node)!;
            return visited.WithStatement(Guard(visited.Statement));
        }

        /// <summary>
        /// <c>{ body }</c> becomes <c>{Check(n); body }</c> with the brace's own trailing trivia (usually the
        /// line break) moved after the call, so nothing after it on later lines moves; a single statement
        /// becomes a block around it on the same line.
        /// </summary>
        private StatementSyntax Guard(StatementSyntax body)
        {
            if (body is BlockSyntax block)
            {
                var open = block.OpenBraceToken;
                var check = NewCheck().WithTrailingTrivia(open.TrailingTrivia);
                return block.WithOpenBraceToken(open.WithTrailingTrivia()).WithStatements(block.Statements.Insert(0, check));
            }
            return SyntaxFactory.Block(NewCheck(), body.WithoutTrivia())
                .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(body.GetLeadingTrivia()))
                .WithCloseBraceToken(SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithTrailingTrivia(body.GetTrailingTrivia()));
        }
    }
}
