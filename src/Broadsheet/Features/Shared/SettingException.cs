namespace Broadsheet.Features.Shared;

/// <summary>
/// A setting that cannot be used as given (a proxy that is no address, a site address that is no URL). Thrown while
/// the app is composed or starts; the command line prints its message, which names the setting, and exits 2,
/// instead of an unhandled exception and a stack trace.
/// </summary>
public sealed class SettingException(string message) : Exception(message);
