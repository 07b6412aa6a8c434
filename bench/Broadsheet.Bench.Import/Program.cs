using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Xml;

// Helper for bench/import_blogger.sh:
//   generate FILE N   writes a classic Blogger "Back up content" export of N posts (generated text)
//   parse FILE        the reference: reads the same file with a bare XmlReader, prints reference_file_parse_s
if (args is ["generate", var path, var countText])
{
    Generate(path, int.Parse(countText, CultureInfo.InvariantCulture));
    return 0;
}
if (args is ["parse", var file])
{
    var watch = Stopwatch.StartNew();
    var entries = 0;
    long chars = 0;
    using (var reader = XmlReader.Create(file, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }))
    {
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "entry") entries++;
            else if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA) chars += reader.Value.Length;
        }
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reference_file_parse_s {watch.Elapsed.TotalSeconds:F3} s"));
    Console.Error.WriteLine($"({entries} entries, {chars} characters of text)");
    return 0;
}
Console.Error.WriteLine("usage: generate FILE N | parse FILE");
return 2;

static void Generate(string path, int count)
{
    string[] words = ["tenants", "council", "rent", "repairs", "meeting", "street", "campaign", "housing", "damp", "landlord",
        "petition", "march", "solidarity", "neighbours", "library", "school", "bus", "route", "budget", "vote"];
    string[] labels = ["News", "Rent Strike", "Events", "Council", "Repairs", "Letters", "Reports", "Housing"];
    var random = new Random(42);
    string Sentence(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => words[random.Next(words.Length)])) + ".";
    var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false };
    using var xml = XmlWriter.Create(path, settings);
    const string atom = "http://www.w3.org/2005/Atom";
    xml.WriteStartDocument();
    xml.WriteStartElement("feed", atom);
    xml.WriteAttributeString("xmlns", "thr", null, "http://purl.org/syndication/thread/1.0");
    xml.WriteElementString("id", atom, "tag:blogger.com,1999:blog-424242");
    xml.WriteElementString("title", atom, "Bench Street Tenants");
    var start = new DateTimeOffset(2006, 1, 1, 9, 0, 0, TimeSpan.FromHours(1));
    for (var i = 0; i < count; i++)
    {
        var at = start.AddHours(i * 7.3);
        var slug = $"{words[i % words.Length]}-{words[(i / 20) % words.Length]}-{i}";
        var body = new StringBuilder();
        for (var p = 0; p < 5; p++)
        {
            body.Append("<div>").Append(Sentence(18)).Append("<br />").Append(Sentence(12)).Append("</div>");
            if (p == 1) body.Append("<a name='more'></a>");
        }
        xml.WriteStartElement("entry", atom);
        xml.WriteElementString("id", atom, $"tag:blogger.com,1999:blog-424242.post-{1000000 + i}");
        xml.WriteElementString("published", atom, at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture));
        xml.WriteElementString("updated", atom, at.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture));
        Category("http://schemas.google.com/g/2005#kind", "http://schemas.google.com/blogger/2008/kind#post");
        Category("http://www.blogger.com/atom/ns#", labels[i % labels.Length]);
        Category("http://www.blogger.com/atom/ns#", labels[(i / 3) % labels.Length]);
        xml.WriteStartElement("title", atom);
        xml.WriteAttributeString("type", "text");
        xml.WriteString($"Post {i}: {Sentence(5)}");
        xml.WriteEndElement();
        xml.WriteStartElement("content", atom);
        xml.WriteAttributeString("type", "html");
        xml.WriteString(body.ToString());
        xml.WriteEndElement();
        xml.WriteStartElement("link", atom);
        xml.WriteAttributeString("rel", "alternate");
        xml.WriteAttributeString("type", "text/html");
        xml.WriteAttributeString("href", $"https://bench-street.blogspot.com/{at:yyyy}/{at:MM}/{slug}.html");
        xml.WriteEndElement();
        xml.WriteStartElement("author", atom);
        xml.WriteElementString("name", atom, i % 4 == 0 ? "Mara Lind" : "Jo Reader");
        xml.WriteElementString("uri", atom, i % 4 == 0 ? "https://www.blogger.com/profile/1" : "https://www.blogger.com/profile/2");
        xml.WriteEndElement();
        xml.WriteEndElement();
    }
    xml.WriteEndElement();

    void Category(string scheme, string term)
    {
        xml.WriteStartElement("category", atom);
        xml.WriteAttributeString("scheme", scheme);
        xml.WriteAttributeString("term", term);
        xml.WriteEndElement();
    }
}
