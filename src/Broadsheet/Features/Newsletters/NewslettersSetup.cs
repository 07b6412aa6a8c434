using Broadsheet.Data.WorkQueue;
using Broadsheet.Email;
using Broadsheet.Features.Subscribers;

namespace Broadsheet.Features.Newsletters;

/// <summary>Newsletters, their subscribers and the links mailed to them (the sending itself is in Email/).</summary>
public static class NewslettersSetup
{
    public static IServiceCollection AddBroadsheetNewsletters(this IServiceCollection services)
    {
        services.AddScoped<NewsletterIssues>();
        services.AddScoped<SubscriberLinks>();
        services.AddSingleton<MailLinkKeyCache>();
        services.AddScoped<IssueSending>();
        services.AddSingleton<IssueMessages>();
        services.AddSingleton<MessageSigning>();
        // The public side: subscribing, confirming, leaving (Features/Subscribers/Subscribing.cs)
        services.AddScoped<Subscribing>();
        services.AddScoped<SubscribeFormToken>();
        services.AddScoped<SubscribeThrottle>();
        services.AddSingleton<OpenNewsletters>();
        // Imports, confirmation requests and erasure (Features/Subscribers)
        services.AddScoped<SubscriberImport>();
        services.AddWork<SubscriberImportWork>(SubscriberImport.WorkKind);
        services.AddScoped<ConfirmationRequests>();
        services.AddWork<ConfirmationRequestWork>(ConfirmationRequests.WorkKind);
        services.AddScoped<SubscriberErasure>();
        return services;
    }
}
