using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Broadsheet.Data;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Broadsheet.Email;

/// <summary>
/// DKIM-signs messages whose From: domain has an active <see cref="DkimKey"/> (rsa-sha256, relaxed/relaxed), with
/// .NET's own RSA: MimeKit's <see cref="DkimSigner"/> builds the DKIM-Signature header, and its one signing step is
/// handed to <see cref="RSA.SignHash(byte[], HashAlgorithmName, RSASignaturePadding)"/> (OpenSSL underneath) instead
/// of BouncyCastle's managed RSA, which costs about four times the CPU. The engine calls <see cref="Sign"/> on every
/// message, transactional ones too, after every header is set.
/// </summary>
public sealed partial class MessageSigning(ILogger<MessageSigning>? logger = null)
{
    // Optional, so a bench or a test can sign without a host; the app's container always gives one.
    private readonly ILogger logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>
    /// Signed when present. RFC 8058 §4 requires both List-Unsubscribe headers to be signed; the rest are what a
    /// forger or a mangling relay would change (RFC 6376 §5.4.1). A name listed but absent signs its absence, so it
    /// cannot be added later either.
    /// </summary>
    public static readonly string[] SignedHeaders =
    [
        "From", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
        "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
    ];

    private volatile Dictionary<string, DomainSigner> signers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads the active keys (call once per batch). Keys already loaded are kept, so this is one small query.</summary>
    public async Task LoadAsync(BroadsheetDb db, CancellationToken cancellationToken = default)
    {
        var rows = await db.DkimKeys.AsNoTracking().Where(k => k.Active)
            .OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id)
            .ToListAsync(cancellationToken);
        var known = signers;
        var next = new Dictionary<string, DomainSigner>(StringComparer.OrdinalIgnoreCase);
        foreach (var row in rows)
        {
            var domain = AsciiDomain(row.Domain);
            // The newest active key of a domain signs: a new selector takes over once it is generated.
            if (domain is null || next.ContainsKey(domain)) continue;
            if (known.TryGetValue(domain, out var same) && same.KeyId == row.Id && same.Pem == row.PrivateKeyPem)
            {
                next[domain] = same;
                continue;
            }
            try
            {
                next[domain] = new DomainSigner(row.Id, row.PrivateKeyPem, domain, row.Selector);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException)
            {
                UnreadableKey(row.Selector, row.Domain, e.GetType().Name);
            }
        }
        signers = next;
    }

    /// <summary>Signs in place when a key for the From: domain is loaded; does nothing otherwise.</summary>
    public void Sign(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.From.Mailboxes.FirstOrDefault() is not { } from || AsciiDomain(from.Domain) is not { } domain) return;
        if (!signers.TryGetValue(domain, out var signer)) return;
        // Signed again on a retry: only the newest signature may stand.
        message.Headers.RemoveAll(HeaderId.DkimSignature);
        // Fixes every part's transfer encoding now, so no relay or client re-encodes a body that is already signed.
        message.Prepare(EncodingConstraint.SevenBit);
        signer.Sign(message, SignedHeaders);
    }

    /// <summary>Whether mail from <paramref name="fromDomain"/> would be signed (the admin warns when not). Reflects the last <see cref="LoadAsync"/>.</summary>
    public bool HasKeyFor(string fromDomain) => AsciiDomain(fromDomain) is { } domain && signers.ContainsKey(domain);

    /// <summary>A domain as DNS and the d= tag write it: lower case, IDN as punycode; null when it is not one.</summary>
    internal static string? AsciiDomain(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain)) return null;
        try
        {
            return new IdnMapping().GetAscii(domain.Trim().TrimEnd('.')).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The DKIM key {Selector}._domainkey.{Domain} cannot be read ({Error}); mail from that domain goes out unsigned until it is replaced")]
    private partial void UnreadableKey(string selector, string domain, string error);

    /// <summary>One domain's signer: MimeKit's DKIM header logic over .NET RSA objects, a few kept for reuse across threads.</summary>
    private sealed class DomainSigner : DkimSigner
    {
        private readonly ConcurrentBag<RSA> pool = [];

        // MimeKit's constructor also reads the key into BouncyCastle (its key-less one is obsolete); only .NET's RSA signs.
        public DomainSigner(int keyId, string pem, string domain, string selector) : base(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(pem)), domain, selector, DkimSignatureAlgorithm.RsaSha256)
        {
            KeyId = keyId;
            Pem = pem;
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
            pool.Add(Import(pem)); // a bad key fails here, at load, not at the first message
        }

        public int KeyId { get; }
        public string Pem { get; }

        private static RSA Import(string pem)
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return rsa;
        }

        // An RSA object is not documented as safe to share between threads, and the engine signs on several: each
        // signature borrows one (a handful exist, one per concurrent signer) and returns it.
        internal byte[] SignHash(byte[] hash)
        {
            var rsa = pool.TryTake(out var pooled) ? pooled : Import(Pem);
            try
            {
                return rsa.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            }
            finally
            {
                pool.Add(rsa);
            }
        }

        protected override ISigner CreateSigningContext() => new Sha256ThenRsa(this);
    }

    /// <summary>
    /// BouncyCastle's signer interface, which MimeKit writes the canonical headers into: the bytes are gathered and hashed
    /// with .NET's SHA-256, and the hash signed with .NET's RSA (PKCS#1 v1.5, as rsa-sha256 is defined).
    /// </summary>
    private sealed class Sha256ThenRsa(DomainSigner key) : ISigner
    {
        private readonly ArrayBufferWriter<byte> data = new(2048);

        public string AlgorithmName => "SHA-256withRSA";

        public void Init(bool forSigning, ICipherParameters parameters) { }

        public void Update(byte input) => data.Write([input]);

        public void BlockUpdate(byte[] input, int inOff, int inLen) => data.Write(input.AsSpan(inOff, inLen));

        public void BlockUpdate(ReadOnlySpan<byte> input) => data.Write(input);

        public int GetMaxSignatureSize() => 512;

        public byte[] GenerateSignature() => key.SignHash(SHA256.HashData(data.WrittenSpan));

        public bool VerifySignature(byte[] signature) => throw new NotSupportedException("This signer only signs.");

        public void Reset() => data.Clear();
    }
}

/// <summary>Making a DKIM key and the DNS record that publishes it (<c>broadsheet dkim generate</c>).</summary>
public static class DkimKeys
{
    /// <summary>A new 2048-bit RSA key for <paramref name="domain"/> and <paramref name="selector"/> (already checked), PKCS#8 PEM.</summary>
    public static DkimKey Generate(string domain, string selector, DateTime now)
    {
        using var rsa = RSA.Create(2048);
        return new DkimKey { Domain = domain, Selector = selector, PrivateKeyPem = rsa.ExportPkcs8PrivateKeyPem(), CreatedAt = now, Active = true };
    }

    /// <summary>The TXT record's name: <c>SELECTOR._domainkey.DOMAIN</c>.</summary>
    public static string RecordName(DkimKey key) => $"{key.Selector}._domainkey.{key.Domain}";

    /// <summary>The TXT record's value: <c>v=DKIM1; k=rsa; p=</c> and the public key (SubjectPublicKeyInfo, base64), RFC 6376 §3.6.1.</summary>
    public static string RecordValue(DkimKey key)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(key.PrivateKeyPem);
        return "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The domain as it is stored (lower case, punycode), or null with <paramref name="problem"/> said.</summary>
    public static string? CleanDomain(string domain, out string? problem)
    {
        problem = null;
        var ascii = MessageSigning.AsciiDomain(domain);
        if (ascii is null || ascii.Length > 253 || !ascii.Contains('.')
            || ascii.Split('.').Any(label => label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-') || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            problem = $"'{domain}' is not a domain name (such as campaign.example.org): give the domain of the newsletters' From: address.";
            return null;
        }
        return ascii;
    }

    /// <summary>The selector as it is stored (lower case), or null with <paramref name="problem"/> said.</summary>
    public static string? CleanSelector(string selector, out string? problem)
    {
        problem = null;
        var clean = selector.Trim().ToLowerInvariant();
        if (clean.Length is 0 or > 63 || clean.StartsWith('-') || !clean.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            problem = $"'{selector}' cannot be a DKIM selector: use letters, digits and hyphens, such as broadsheet{DateTime.UtcNow.Year.ToString(CultureInfo.InvariantCulture)}.";
            return null;
        }
        return clean;
    }
}
