using System.Globalization;
using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Broadsheet.BrowserTests.Infrastructure;

/// <summary>Runs axe-core in the page and fails with a readable list of what a disabled reader would hit.</summary>
public static class Accessibility
{
    private static readonly HashSet<string> Blocking = new(StringComparer.OrdinalIgnoreCase) { "serious", "critical" };

    public static async Task AssertNoSeriousViolationsAsync(this IPage page)
    {
        var problems = await SeriousViolationsAsync(page);
        Assert.True(problems is null, problems);
    }

    /// <summary>Null when axe finds nothing serious or critical; otherwise a description of each problem and where it is.</summary>
    public static async Task<string?> SeriousViolationsAsync(this IPage page)
    {
        var result = await page.RunAxe();
        var blocking = result.Violations.Where(v => Blocking.Contains(v.Impact ?? "")).ToList();
        return blocking.Count == 0 ? null : Describe(page.Url, blocking);
    }

    private static string Describe(string url, List<AxeResultItem> violations)
    {
        var text = new StringBuilder($"axe found {violations.Count} serious or critical problem(s) on {url}:");
        foreach (var violation in violations)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- [{violation.Impact}] {violation.Id}: {violation.Help} ({violation.HelpUrl})");
            foreach (var node in violation.Nodes.Take(5))
            {
                text.Append(CultureInfo.InvariantCulture, $"\n    at {node.Target}: {node.Html}");
                // axe's own explanation: which checks failed on this element, and why.
                foreach (var check in node.Any.Concat(node.All).Concat(node.None))
                    text.Append(CultureInfo.InvariantCulture, $"\n      {check.Message}");
            }
            if (violation.Nodes.Length > 5) text.Append(CultureInfo.InvariantCulture, $"\n    … and {violation.Nodes.Length - 5} more");
        }
        return text.ToString();
    }
}
