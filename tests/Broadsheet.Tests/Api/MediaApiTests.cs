using System.Net;
using System.Net.Http.Headers;
using Broadsheet.Data;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Api;

/// <summary>Uploads through the Admin API: types judged from the bytes, limits, safe names, how files are served.</summary>
public sealed class MediaApiTests
{
    [Theory]
    [InlineData("png", "image/png")]
    [InlineData("jpg", "image/jpeg")]
    [InlineData("gif", "image/gif")]
    [InlineData("webp", "image/webp")]
    public async Task An_image_is_stored_under_its_hash_with_its_size_read_from_the_header(string kind, string type)
    {
        await using var app = new BroadsheetFactory();
        var api = await app.ApiClientAsync();
        var bytes = kind switch
        {
            "png" => ApiTestKit.Png(640, 480),
            "jpg" => ApiTestKit.Jpeg(640, 480),
            "gif" => ApiTestKit.Gif(640, 480),
            _ => ApiTestKit.WebP(640, 480),
        };

        // The browser's name and type are wrong on purpose: only the bytes count.
        var media = await (await api.PostAsync("/api/admin/media", ApiTestKit.Upload(bytes, "holiday photo.bmp", "application/octet-stream", "Marchers on the bridge")))
            .JsonAsync(HttpStatusCode.Created);

        Assert.Equal(type, (string)media["contentType"]!);
        Assert.Equal(640, (int)media["width"]!);
        Assert.Equal(480, (int)media["height"]!);
        Assert.Equal("Marchers on the bridge", (string)media["altText"]!);
        Assert.Equal("holiday photo.bmp", (string)media["originalName"]!);
        var url = (string)media["url"]!;
        Assert.Matches($"^/media/[0-9a-f]{{64}}\\.{kind}$", url);
        Assert.True(File.Exists(Path.Combine(app.DataDirectory, "media", url["/media/".Length..])));
    }

    [Fact]
    public async Task Served_media_has_its_sniffed_type_nosniff_a_long_immutable_lifetime_and_an_etag()
    {
        await using var app = new BroadsheetFactory();
        var api = await app.ApiClientAsync();
        var bytes = ApiTestKit.Png(2, 2);
        var url = (string)(await (await api.PostAsync("/api/admin/media", ApiTestKit.Upload(bytes, "a.png", "image/png"))).JsonAsync(HttpStatusCode.Created))["url"]!;

        var reader = app.CreateClient(); // no key: media is public
        var response = await reader.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("public, max-age=31536000, immutable", string.Join(", ", response.Headers.GetValues("Cache-Control")));
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);

        var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await reader.SendAsync(again)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync("/media/../broadsheet.db")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync("/media/" + new string('a', 64) + ".png")).StatusCode);
    }

    [Fact]
    public async Task An_uploaded_pdf_with_javascript_is_served_sandboxed_with_no_script_allowed()
    {
        await using var app = new BroadsheetFactory();
        var api = await app.ApiClientAsync();
        var pdf = System.Text.Encoding.ASCII.GetBytes(
            "%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj\n" +
            "2 0 obj << /S /JavaScript /JS (app.alert\\(document.cookie\\)) >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        var url = (string)(await (await api.PostAsync("/api/admin/media", ApiTestKit.Upload(pdf, "leaflet.pdf", "application/pdf"))).JsonAsync(HttpStatusCode.Created))["url"]!;

        var response = await app.CreateClient().GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        // Exactly one policy (a second one would be enforced too, but the site-wide one must not replace this one).
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        var directives = csp.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("sandbox", directives);
        Assert.Contains("default-src 'none'", directives);
        Assert.DoesNotContain(directives, d => d.StartsWith("script-src", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("exe", "setup.jpg", "image/jpeg", "program")]
    [InlineData("svg", "logo.png", "image/png", "SVG")]
    [InlineData("text", "minutes.pdf", "application/pdf", "not an accepted type")]
    public async Task Disguised_files_are_refused_with_a_clear_error_and_nothing_is_stored(string kind, string name, string type, string expected)
    {
        await using var app = new BroadsheetFactory();
        var api = await app.ApiClientAsync();
        var bytes = kind switch { "exe" => ApiTestKit.Exe(), "svg" => ApiTestKit.SvgWithScript(), _ => ApiTestKit.Text() };

        var problem = await (await api.PostAsync("/api/admin/media", ApiTestKit.Upload(bytes, name, type))).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains(expected, problem["errors"]!["file"]![0]!.ToString());
        await AssertNothingStoredAsync(app);
    }

    [Fact]
    public async Task An_upload_over_the_limit_is_refused_with_413_and_nothing_is_stored()
    {
        await using var app = new BroadsheetFactory().With("Media:MaxUploadBytes", "1000");
        var api = await app.ApiClientAsync();
        var big = ApiTestKit.Png(10, 10).Concat(new byte[2000]).ToArray();

        var problem = await (await api.PostAsync("/api/admin/media", ApiTestKit.Upload(big, "big.png", "image/png"))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("larger than the limit", (string)problem["detail"]!);
        await AssertNothingStoredAsync(app);

        // Without a Content-Length (streamed), the limit still holds.
        var streamed = ApiTestKit.Upload(big, "big.png", "image/png");
        await streamed.LoadIntoBufferAsync();
        var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/admin/media") { Content = new StreamContent(await streamed.ReadAsStreamAsync()) };
        chunked.Content.Headers.ContentType = streamed.Headers.ContentType;
        chunked.Headers.TransferEncodingChunked = true;
        await (await api.SendAsync(chunked)).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        await AssertNothingStoredAsync(app);
    }

    [Fact]
    public async Task Documents_are_accepted_and_word_files_download_rather_than_open()
    {
        await using var app = new BroadsheetFactory();
        var api = await app.ApiClientAsync();

        var pdf = await (await api.PostAsync("/api/admin/media", ApiTestKit.Upload(ApiTestKit.Pdf(), "report", "application/octet-stream"))).JsonAsync(HttpStatusCode.Created);
        Assert.Equal("application/pdf", (string)pdf["contentType"]!);
        Assert.Null(pdf["width"]);
        var docx = await (await api.PostAsync("/api/admin/media", ApiTestKit.Upload(ApiTestKit.Docx(), "letter.zip", "application/zip"))).JsonAsync(HttpStatusCode.Created);
        Assert.EndsWith(".docx", (string)docx["url"]!);

        var download = await app.CreateClient().GetAsync((string)docx["url"]!);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
    }

    [Fact]
    public async Task The_same_file_twice_is_stored_once_and_list_update_delete_work()
    {
        await using var app = new BroadsheetFactory();
        var api = await app.ApiClientAsync();
        var bytes = ApiTestKit.Gif(3, 3);
        var first = await (await api.PostAsync("/api/admin/media", ApiTestKit.Upload(bytes, "one.gif", "image/gif"))).JsonAsync(HttpStatusCode.Created);
        var second = await (await api.PostAsync("/api/admin/media", ApiTestKit.Upload(bytes, "two.gif", "image/gif"))).JsonAsync(HttpStatusCode.OK);
        Assert.Equal((int)first["id"]!, (int)second["id"]!);

        var list = await (await api.GetAsync("/api/admin/media")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, (int)list["total"]!);

        var id = (int)first["id"]!;
        var updated = await (await api.PutJsonAsync($"/api/admin/media/{id}", new { altText = "A small square" })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("A small square", (string)updated["altText"]!);
        Assert.Equal("A small square", (string)(await (await api.GetAsync($"/api/admin/media/{id}")).JsonAsync(HttpStatusCode.OK))["altText"]!);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/admin/media/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateClient().GetAsync((string)first["url"]!)).StatusCode);
        await AssertNothingStoredAsync(app);
        await (await api.DeleteAsync($"/api/admin/media/{id}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_upload_without_a_file_field_is_a_clear_400()
    {
        await using var app = new BroadsheetFactory();
        var api = await app.ApiClientAsync();
        var form = new MultipartFormDataContent { { new StringContent("hello"), "altText" } };
        var problem = await (await api.PostAsync("/api/admin/media", form)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("'file'", problem["errors"]!["file"]![0]!.ToString());
        var empty = await (await api.PostAsync("/api/admin/media", ApiTestKit.Upload([], "empty.png", "image/png"))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("empty", empty["errors"]!["file"]![0]!.ToString());
    }

    internal static async Task AssertNothingStoredAsync(BroadsheetFactory app)
    {
        await using var scope = app.Scope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<BroadsheetDb>().Media.CountAsync());
        var folder = Path.Combine(app.DataDirectory, "media");
        Assert.Empty(Directory.Exists(folder) ? Directory.GetFiles(folder) : []);
    }
}
