using System.Net;
using Broadsheet.Data;
using Broadsheet.Features.Posts;
using Broadsheet.Features.Statements;
using Broadsheet.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Broadsheet.Tests.Statements;

/// <summary>
/// The one way a statement is made (<see cref="StatementWriter"/>): a new page and its statement in one transaction,
/// or an existing page made a statement with its address kept, and settings refused whole when they do not hold.
/// </summary>
public abstract class StatementWriterTests(TestProvider provider)
{
    [Fact]
    public async Task A_new_statement_is_a_published_page_at_its_own_address_with_its_signing_settings()
    {
        await using var app = new BroadsheetFactory(provider);
        await using var scope = app.Scope();
        var writer = scope.ServiceProvider.GetRequiredService<StatementWriter>();
        var made = await writer.CreateAsync(new NewStatement("Stop the bombing", "We call on the governments responsible to stop.", new StatementSettings
        {
            AdoptedBy = "the coalition's steering group",
            AdoptedOn = new DateOnly(2015, 10, 25),
            Goal = 5000,
            FieldsAsked = SignatureFields.Organisation | SignatureFields.Country,
            FieldsRequired = SignatureFields.Country,
        }), PostActor.Site);

        Assert.Equal(StatementCreateOutcome.Created, made.Outcome);
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var stored = await db.Statements.AsNoTracking().Include(s => s.Post).SingleAsync();
        Assert.Equal("Stop the bombing", stored.Post!.Title);
        Assert.Equal(PostKind.Page, stored.Post.Kind);
        Assert.Equal(new DateOnly(2015, 10, 25), stored.AdoptedOn);
        Assert.Equal(SignatureFields.Country, stored.FieldsRequired);
        var page = await app.CreateClient().GetAsync(stored.Post.Permalink);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("We call on the governments responsible", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_imported_page_becomes_a_statement_once_and_keeps_its_address()
    {
        await using var app = new BroadsheetFactory(provider);
        var page = await app.AddPostAsync("Our statement", "If you would like to add your name please contact us.", kind: PostKind.Page, slug: "statement");
        await using var scope = app.Scope();
        var writer = scope.ServiceProvider.GetRequiredService<StatementWriter>();

        Assert.Equal(StatementCreateOutcome.Created, (await writer.AttachAsync(page.Id, new StatementSettings())).Outcome);
        Assert.Equal(StatementCreateOutcome.AlreadyAStatement, (await writer.AttachAsync(page.Id, new StatementSettings())).Outcome);
        Assert.Equal(StatementCreateOutcome.PostNotFound, (await writer.AttachAsync(page.Id + 1000, new StatementSettings())).Outcome);

        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        var after = await db.Posts.AsNoTracking().SingleAsync(p => p.Id == page.Id);
        Assert.Equal(page.Permalink, after.Permalink);
        Assert.Equal(1, await db.Statements.CountAsync());
    }

    [Fact]
    public async Task Settings_that_do_not_hold_are_refused_and_leave_no_page_behind()
    {
        await using var app = new BroadsheetFactory(provider);
        await using var scope = app.Scope();
        var writer = scope.ServiceProvider.GetRequiredService<StatementWriter>();

        var required = await writer.CreateAsync(new NewStatement("A", "Body.", new StatementSettings
        {
            FieldsAsked = SignatureFields.Town,
            FieldsRequired = SignatureFields.Country,
        }), PostActor.Site);
        var goal = await writer.CreateAsync(new NewStatement("B", "Body.", new StatementSettings { Goal = 0 }), PostActor.Site);
        var newsletter = await writer.CreateAsync(new NewStatement("C", "Body.", new StatementSettings { NewsletterId = 999 }), PostActor.Site);
        var untitled = await writer.CreateAsync(new NewStatement("", "Body.", new StatementSettings()), PostActor.Site);

        Assert.Equal(StatementCreateOutcome.Invalid, required.Outcome);
        Assert.Contains("FieldsRequired", required.Errors!.Keys);
        Assert.Contains("Goal", goal.Errors!.Keys);
        Assert.Contains("NewsletterId", newsletter.Errors!.Keys);
        Assert.Equal(StatementCreateOutcome.Invalid, untitled.Outcome);
        var db = scope.ServiceProvider.GetRequiredService<BroadsheetDb>();
        Assert.Equal(0, await db.Statements.CountAsync());
        Assert.Equal(0, await db.Posts.CountAsync(p => p.Kind == PostKind.Page && p.Body == "Body."));
    }
}

public sealed class SqliteStatementWriterTests() : StatementWriterTests(TestProvider.Sqlite);

public sealed class PostgresStatementWriterTests() : StatementWriterTests(TestProvider.Postgres);
