using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Tongban.OperatorConsole;

namespace Tongban.Tests.OperatorConsole;

/// <summary>The console's pages: embedded, served with a strict Content-Security-Policy, gzipped, revalidated by ETag.</summary>
public sealed partial class ConsoleAssetsTests
{
    [GeneratedRegex(@"(src|href)=""([^""#]+)""")]
    private static partial Regex LocalReference();

    [GeneratedRegex(@"from '\./([^']+)'")]
    private static partial Regex ModuleImport();

    [Fact]
    public void Every_file_the_pages_name_is_embedded_and_nothing_comes_from_elsewhere()
    {
        var index = Encoding.UTF8.GetString(ConsoleAssets.Find("")!.Content);
        var named = LocalReference().Matches(index).Select(m => m.Groups[2].Value)
            .Concat(ConsoleAssets.All.Values.Where(a => a.Name.EndsWith(".js", StringComparison.Ordinal))
                .SelectMany(a => ModuleImport().Matches(Encoding.UTF8.GetString(a.Content)).Select(m => m.Groups[1].Value)))
            .ToList();
        Assert.Contains("app.js", named);
        Assert.All(named, name => Assert.True(ConsoleAssets.Find(name) is not null, $"{name} is named but not embedded"));
        Assert.All(ConsoleAssets.All.Values, a => Assert.DoesNotContain("http", Encoding.UTF8.GetString(a.Content).Replace("http://www.w3.org/2000/svg", ""), StringComparison.Ordinal));
        // No inline script or style for the policy to have to allow.
        Assert.DoesNotContain("<script>", index, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", index, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_is_served_gzipped_under_the_policy_and_a_second_load_is_304()
    {
        var asset = ConsoleAssets.Find("app.js")!;
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Headers.AcceptEncoding = "gzip, br";
        context.Response.Body = new MemoryStream();
        await ConsoleAssets.Serve(context.Request, asset).ExecuteAsync(context);
        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal(ConsoleAssets.ContentSecurityPolicy, context.Response.Headers.ContentSecurityPolicy.ToString());
        Assert.Contains("script-src 'self'", ConsoleAssets.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", ConsoleAssets.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Equal("gzip", context.Response.Headers.ContentEncoding.ToString());
        context.Response.Body.Position = 0;
        using var unzipped = new MemoryStream();
        await using (var gzip = new GZipStream(context.Response.Body, CompressionMode.Decompress)) await gzip.CopyToAsync(unzipped);
        Assert.Equal(asset.Content, unzipped.ToArray());

        var again = new DefaultHttpContext();
        again.Request.Method = "GET";
        again.Request.Headers.IfNoneMatch = asset.ETag;
        await ConsoleAssets.Serve(again.Request, asset).ExecuteAsync(again);
        Assert.Equal(304, again.Response.StatusCode);
    }
}
