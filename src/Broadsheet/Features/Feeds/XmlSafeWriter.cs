using System.Xml;
using Broadsheet.Features.Shared;

namespace Broadsheet.Features.Feeds;

/// <summary>
/// An <see cref="XmlWriter"/> that passes every piece of text through <see cref="XmlSafeText.Clean"/>
/// before the real writer sees it. The real writer throws on a character XML cannot hold (and would
/// write an unreadable feed if told not to check); text entering the site is cleaned already, but a
/// row written before that, or straight into the database, must not take the feeds down for everyone.
/// Wrapping the writer covers whatever the syndication formatters write, not only the fields we list.
/// </summary>
internal sealed class XmlSafeWriter(XmlWriter inner) : XmlWriter
{
    public override WriteState WriteState => inner.WriteState;
    public override XmlWriterSettings? Settings => inner.Settings;
    public override string? XmlLang => inner.XmlLang;
    public override XmlSpace XmlSpace => inner.XmlSpace;

    public override void WriteString(string? text) => inner.WriteString(XmlSafeText.Clean(text));
    public override void WriteCData(string? text) => inner.WriteCData(XmlSafeText.Clean(text));
    public override void WriteComment(string? text) => inner.WriteComment(XmlSafeText.Clean(text));
    public override void WriteRaw(string data) => inner.WriteRaw(XmlSafeText.Clean(data));
    public override void WriteChars(char[] buffer, int index, int count) => WriteString(new string(buffer, index, count));
    public override void WriteRaw(char[] buffer, int index, int count) => WriteRaw(new string(buffer, index, count));
    public override void WriteWhitespace(string? ws) => inner.WriteWhitespace(ws);
    public override void WriteCharEntity(char ch) => WriteString(ch.ToString());
    public override void WriteSurrogateCharEntity(char lowChar, char highChar) => WriteString(new string([highChar, lowChar]));
    public override void WriteEntityRef(string name) => inner.WriteEntityRef(name);
    public override void WriteProcessingInstruction(string name, string? text) => inner.WriteProcessingInstruction(name, XmlSafeText.Clean(text));
    public override void WriteBase64(byte[] buffer, int index, int count) => inner.WriteBase64(buffer, index, count);
    public override void WriteDocType(string name, string? pubid, string? sysid, string? subset) => inner.WriteDocType(name, pubid, sysid, subset);
    public override void WriteStartDocument() => inner.WriteStartDocument();
    public override void WriteStartDocument(bool standalone) => inner.WriteStartDocument(standalone);
    public override void WriteEndDocument() => inner.WriteEndDocument();
    public override void WriteStartElement(string? prefix, string localName, string? ns) => inner.WriteStartElement(prefix, localName, ns);
    public override void WriteEndElement() => inner.WriteEndElement();
    public override void WriteFullEndElement() => inner.WriteFullEndElement();
    public override void WriteStartAttribute(string? prefix, string localName, string? ns) => inner.WriteStartAttribute(prefix, localName, ns);
    public override void WriteEndAttribute() => inner.WriteEndAttribute();
    public override string? LookupPrefix(string ns) => inner.LookupPrefix(ns);
    public override void Flush() => inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
