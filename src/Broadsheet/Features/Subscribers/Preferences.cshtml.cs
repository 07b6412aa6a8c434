using Broadsheet.Data;
using Broadsheet.Features.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Broadsheet.Features.Subscribers;

/// <summary>
/// /preferences?s=&amp;t=, linked from every mail: the subscriber chooses their newsletters, changes their name, or
/// leaves everything. The link is the proof of who they are; the form carries the page's antiforgery token, and posts
/// back to the same address, so the link's token comes with it.
/// </summary>
[SmallForm]
public sealed class PreferencesModel(BroadsheetDb db, SubscriberLinks links, Subscribing subscribing) : SubscriberLinkPageModel
{
    public sealed record Choice(int Id, string Name, string Description, SubscriptionStatus? Status);

    public IReadOnlyList<Choice> Choices { get; private set; } = [];
    public string? SubscriberName { get; private set; }
    public string? Saved { get; private set; }

    [BindProperty] public string? Name { get; set; }
    [BindProperty(Name = "newsletter")] public List<int> Wanted { get; set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await CheckAsync(cancellationToken) is { } subscriber) await LoadAsync(subscriber, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? act, CancellationToken cancellationToken)
    {
        if (await CheckAsync(cancellationToken) is not { } subscriber) return Page();
        var ip = ClientAddress.Of(HttpContext)?.ToString();
        if (act == "leave")
        {
            await subscribing.UnsubscribeAsync(subscriber, Suppression.EveryNewsletter, ConsentSource.Email, "preferences page: leave all", ip, cancellationToken);
            Saved = $"You have left every newsletter from {Site.Title}. Nothing more will be sent to you.";
        }
        else
        {
            await subscribing.SavePreferencesAsync(subscriber, Name, Wanted, ip, cancellationToken);
            Saved = "Your choices are saved.";
        }
        await LoadAsync(subscriber, cancellationToken);
        return Page();
    }

    private async Task<Subscriber?> CheckAsync(CancellationToken cancellationToken)
    {
        Meta.Title = "Your newsletters";
        var subscriber = Number(Request.Query["s"]) is { } id
            ? await links.CheckAsync(SubscriberLinkPurpose.Preferences, id, 0, 0, Request.Query["t"], cancellationToken)
            : null;
        if (subscriber is null) BadLink("This link is not valid. Check that you copied the whole link from the message; every newsletter we send has a working one at its foot.");
        return subscriber;
    }

    private async Task LoadAsync(Subscriber subscriber, CancellationToken cancellationToken)
    {
        await db.Entry(subscriber).ReloadAsync(cancellationToken);
        SubscriberName = subscriber.Name;
        var mine = await db.Subscriptions.AsNoTracking().Where(s => s.SubscriberId == subscriber.Id)
            .ToDictionaryAsync(s => s.NewsletterId, s => s.Status, cancellationToken);
        var newsletters = await db.Newsletters.AsNoTracking().Where(n => n.OpenForSubscription || mine.Keys.Contains(n.Id))
            .OrderBy(n => n.Name).ToListAsync(cancellationToken);
        Choices = [.. newsletters
            .Where(n => n.OpenForSubscription || mine[n.Id] != SubscriptionStatus.Unsubscribed)
            .Select(n => new Choice(n.Id, n.Name, n.Description, mine.TryGetValue(n.Id, out var status) ? status : null))];
    }
}
