using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Broadsheet.Features.Search;
using Microsoft.Data.Sqlite;

namespace Broadsheet.Data;

/// <summary>
/// <c>broadsheet_rank(search_fts, prefix_mask, weight…)</c>: an FTS5 ranking function registered on
/// every SQLite connection. It is FTS5's own <c>bm25()</c> (same formula, k1 = 1.2, b = 0.75, column
/// weights, the whole row's length) with one difference: where each phrase's document frequency (the
/// IDF) comes from.
/// <para>
/// bm25() counts, on its first row, the documents that hold each phrase by running the phrase over
/// the whole index a second time (<c>xQueryPhrase</c>). For a word in most posts that walk costs as
/// much as the search itself, and for a phrase of common words (<c>"of the"</c>) it repeats the
/// position matching of every document: measured on 50,000 posts, 45 of a query's 50 ms. It also
/// defeats a ranking window (<see cref="SearchIndexBase.DefaultRankingWindow"/>): however few rows are
/// ranked, the count still walks every match. This function instead:
/// </para>
/// <list type="bullet">
/// <item>a search of one term (a word, a phrase or a prefix) needs no IDF at all: it would scale every
/// score alike, so it is left out and the order is bm25's;</item>
/// <item>a one-word term among several gets exactly bm25's figure, read from the index's vocabulary
/// (<c>fts5vocab</c>, which walks only the word's list of documents, without positions) and remembered
/// for a few minutes per database;</item>
/// <item>a quoted phrase takes the count of its rarest word (an upper bound of the phrase's own count),
/// so a phrase weighs as much as its rarest word does against the other terms;</item>
/// <item>a prefix term (<c>camp*</c>, flagged by its bit in <c>prefix_mask</c>) is counted as bm25 counts it.</item>
/// </list>
/// If the function cannot be registered (an SQLite build without FTS5's API), the index uses bm25().
/// The interop follows <c>fts5.h</c>: <c>fts5_api</c> from <c>SELECT fts5(?1)</c> with a bound pointer,
/// and the <c>Fts5ExtensionApi</c> table of functions each call receives.
/// </summary>
internal static unsafe partial class SqliteRanking
{
    public const string FunctionName = "broadsheet_rank";

    /// <summary>The per-connection view of the index's vocabulary that document counts are read from.</summary>
    private const string VocabularyTable = "temp.search_fts_vocabulary";

    /// <summary>A token's document count from <see cref="VocabularyTable"/>, as the NUL-terminated UTF-8 SQLite takes.</summary>
    private static readonly byte[] LookupSql = System.Text.Encoding.UTF8.GetBytes($"SELECT doc FROM {VocabularyTable} WHERE term = ?1\0");

    /// <summary>The SQLite library Microsoft.Data.Sqlite runs on (SQLitePCLRaw's bundle), the one whose handles we are given.</summary>
    private const string Library = "e_sqlite3";

    private const int SqliteOk = 0;
    private const int SqliteError = 1;
    private const int SqliteRow = 100;
    private const int SqliteDone = 101;

    private static readonly ConditionalWeakTable<object, object> Registered = new();

    /// <summary>Whether <see cref="FunctionName"/> is available on this open connection.</summary>
    public static bool IsRegistered(SqliteConnection connection) =>
        connection.Handle is { } handle && Registered.TryGetValue(handle, out _);

    /// <summary>
    /// Registers the function and the vocabulary view on a newly opened native connection (once per
    /// handle; pooled connections keep them). Returns false, leaving bm25 in use, if this SQLite offers
    /// no FTS5 API.
    /// </summary>
    public static bool TryRegister(SqliteConnection connection)
    {
        if (connection.Handle is not { } handle) return false;
        if (Registered.TryGetValue(handle, out _)) return true;
        using (var vocabulary = connection.CreateCommand())
        {
            // fts5vocab looks the table up only when read, so this works before the migrations have made it.
            vocabulary.CommandText = $"CREATE VIRTUAL TABLE IF NOT EXISTS {VocabularyTable} USING fts5vocab(main, search_fts, row)";
            vocabulary.ExecuteNonQuery();
        }
        var db = handle.DangerousGetHandle();
        var api = Fts5Api(db);
        if (api == null || api->Version < 2) return false;
        fixed (byte* name = "broadsheet_rank\0"u8)
        {
            if (api->CreateFunction(api, name, (void*)db, &Rank, null) != SqliteOk) return false;
        }
        Registered.AddOrUpdate(handle, new Fts5Handle((nint)api));
        return true;
    }

    /// <summary>The connection's <c>fts5_api</c>, kept with the handle it belongs to.</summary>
    private sealed record Fts5Handle(nint Api);

    /// <summary>
    /// Whether every word of the query is in more than <paramref name="records"/> records (null if that
    /// cannot be told on this connection). Words are stemmed by FTS5's own tokenizer, as the index
    /// stemmed them, and counted from the vocabulary (remembered for a few minutes).
    /// </summary>
    public static bool? AllWordsInMoreThan(SqliteConnection connection, SearchQuery query, long records)
    {
        if (connection.Handle is not { } handle || !Registered.TryGetValue(handle, out var registered) || registered is not Fts5Handle fts5) return null;
        using var vocabulary = new Vocabulary(handle.DangerousGetHandle());
        foreach (var term in query.Terms)
        {
            if (term.Prefix) return false;
            var tokens = Tokenize((Fts5ApiTable*)fts5.Api, string.Join(' ', term.Words));
            if (tokens is null) return null;
            foreach (var token in tokens)
            {
                var documents = vocabulary.Documents(token);
                if (documents < 0) return null;
                if (documents <= records) return false;
            }
        }
        return true;
    }

    /// <summary>The tokens FTS5 makes of <paramref name="text"/> in a query: the table's tokenizer, porter over unicode61 without diacritics (see the AddSearch migration).</summary>
    private static List<byte[]>? Tokenize(Fts5ApiTable* api, string text)
    {
        Fts5Tokenizer tokenizer;
        void* userData;
        fixed (byte* porter = "porter\0"u8)
            if (api->FindTokenizer(api, porter, &userData, &tokenizer) != SqliteOk) return null;
        fixed (byte* unicode61 = "unicode61\0"u8)
        fixed (byte* removeDiacritics = "remove_diacritics\0"u8)
        fixed (byte* two = "2\0"u8)
        {
            var arguments = stackalloc byte*[] { unicode61, removeDiacritics, two };
            nint instance;
            if (tokenizer.Create(userData, arguments, 3, &instance) != SqliteOk) return null;
            var tokens = new List<byte[]>();
            var collected = GCHandle.Alloc(tokens);
            try
            {
                var utf8 = System.Text.Encoding.UTF8.GetBytes(text);
                fixed (byte* bytes = utf8)
                    if (tokenizer.Tokenize(instance, (void*)GCHandle.ToIntPtr(collected), TokenizeQuery, bytes, utf8.Length, &CollectToken) != SqliteOk) return null;
                return tokens;
            }
            finally
            {
                collected.Free();
                tokenizer.Delete(instance);
            }
        }
    }

    /// <summary>FTS5_TOKENIZE_QUERY: the text is a query, not a document.</summary>
    private const int TokenizeQuery = 0x0001;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int CollectToken(void* context, int flags, byte* token, int length, int start, int end)
    {
        // Colocated tokens (synonyms) would share a position; porter and unicode61 make none.
        ((List<byte[]>)GCHandle.FromIntPtr((nint)context).Target!).Add(new ReadOnlySpan<byte>(token, length).ToArray());
        return SqliteOk;
    }

    private static Fts5ApiTable* Fts5Api(nint db)
    {
        Fts5ApiTable* api = null;
        nint statement = 0;
        fixed (byte* sql = "SELECT fts5(?1)\0"u8)
        fixed (byte* type = "fts5_api_ptr\0"u8)
        {
            if (sqlite3_prepare_v2(db, sql, -1, &statement, 0) != SqliteOk) return null;
            try
            {
                if (sqlite3_bind_pointer(statement, 1, &api, type, 0) != SqliteOk || sqlite3_step(statement) != SqliteRow) return null;
            }
            finally
            {
                _ = sqlite3_finalize(statement);
            }
        }
        return api;
    }

    /// <summary>What is worked out once per query (on its first row) and kept as the query's aux data.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct QueryData
    {
        public int Phrases;
        public int Columns;
        public double AverageLength;
        // Followed by double Weight[Columns], double Idf[Phrases], double Frequency[Phrases].
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Rank(Fts5ExtensionApi* api, nint fts, nint context, int argumentCount, nint* arguments)
    {
        try
        {
            var data = (QueryData*)api->GetAuxdata(fts, 0);
            if (data == null)
            {
                data = Prepare(api, fts, argumentCount, arguments);
                if (data == null)
                {
                    sqlite3_result_error_code(context, SqliteError);
                    return;
                }
            }
            var weights = (double*)(data + 1);
            var idf = weights + data->Columns;
            var frequency = idf + data->Phrases;
            new Span<double>(frequency, data->Phrases).Clear();
            int instances;
            if (api->InstCount(fts, &instances) != SqliteOk) goto Failed;
            for (var i = 0; i < instances; i++)
            {
                int phrase, column, offset;
                if (api->Inst(fts, i, &phrase, &column, &offset) != SqliteOk) goto Failed;
                frequency[phrase] += (uint)column < (uint)data->Columns ? weights[column] : 1.0;
            }
            int rowLength;
            if (api->ColumnSize(fts, -1, &rowLength) != SqliteOk) goto Failed;
            const double K1 = 1.2, B = 0.75;
            var score = 0.0;
            var lengthNorm = K1 * (1 - B + B * rowLength / data->AverageLength);
            for (var p = 0; p < data->Phrases; p++)
                score += idf[p] * (frequency[p] * (K1 + 1.0)) / (frequency[p] + lengthNorm);
            // Like bm25(): negative, so that ORDER BY ascending puts the best first.
            sqlite3_result_double(context, -score);
            return;
        Failed:
            sqlite3_result_error_code(context, SqliteError);
        }
        catch (Exception)
        {
            // Nothing may unwind into SQLite's C frames; the query fails with an SQL error instead.
            sqlite3_result_error_code(context, SqliteError);
        }
    }

    /// <summary>The query's average row length, column weights and each phrase's IDF.</summary>
    private static QueryData* Prepare(Fts5ExtensionApi* api, nint fts, int argumentCount, nint* arguments)
    {
        var phrases = api->PhraseCount(fts);
        var columns = api->ColumnCount(fts);
        var data = (QueryData*)NativeMemory.AllocZeroed((nuint)(sizeof(QueryData) + sizeof(double) * (columns + 2 * phrases)));
        data->Phrases = phrases;
        data->Columns = columns;
        var weights = (double*)(data + 1);
        var idf = weights + columns;
        var prefixMask = argumentCount > 0 ? sqlite3_value_int64(arguments[0]) : 0;
        for (var c = 0; c < columns; c++) weights[c] = argumentCount > c + 1 ? sqlite3_value_double(arguments[c + 1]) : 1.0;

        long rows, tokens;
        if (api->RowCount(fts, &rows) != SqliteOk || api->ColumnTotalSize(fts, -1, &tokens) != SqliteOk || rows <= 0)
        {
            NativeMemory.Free(data);
            return null;
        }
        data->AverageLength = (double)tokens / rows;

        if (phrases == 1)
        {
            // One term: its IDF would scale every row's score alike and change no order, and finding it
            // costs a walk of the term's whole list of documents (a few ms for a common word).
            idf[0] = 1.0;
            return SetAuxdata(api, fts, data);
        }
        var db = api->UserData(fts);
        var vocabulary = api->Version >= 3 ? new Vocabulary(db) : null;
        try
        {
            for (var p = 0; p < phrases; p++)
            {
                var isPrefix = p < 63 && (prefixMask & (1L << p)) != 0;
                var documents = vocabulary is not null && !isPrefix ? RarestTokenDocuments(api, fts, p, vocabulary) : -1;
                if (documents < 0 && api->QueryPhrase(fts, p, &documents, &CountRow) != SqliteOk)
                {
                    NativeMemory.Free(data);
                    return null;
                }
                // bm25's IDF, floored as bm25 floors it (a word in over half the rows still counts a little).
                var value = Math.Log((rows - documents + 0.5) / (documents + 0.5));
                idf[p] = value <= 0.0 ? 1e-6 : value;
            }
        }
        finally
        {
            vocabulary?.Dispose();
        }
        return SetAuxdata(api, fts, data);
    }

    private static QueryData* SetAuxdata(Fts5ExtensionApi* api, nint fts, QueryData* data) =>
        // On failure SQLite has already called FreeQueryData.
        api->SetAuxdata(fts, data, &FreeQueryData) == SqliteOk ? data : null;

    /// <summary>The document count of the phrase's rarest token, from the vocabulary; -1 if it cannot be read.</summary>
    private static long RarestTokenDocuments(Fts5ExtensionApi* api, nint fts, int phrase, Vocabulary vocabulary)
    {
        var tokenCount = api->PhraseSize(fts, phrase);
        if (tokenCount <= 0) return -1;
        var rarest = long.MaxValue;
        for (var t = 0; t < tokenCount; t++)
        {
            byte* token;
            int length;
            if (api->QueryToken(fts, phrase, t, &token, &length) != SqliteOk) return -1;
            var documents = vocabulary.Documents(new ReadOnlySpan<byte>(token, length));
            if (documents < 0) return -1;
            rarest = Math.Min(rarest, documents);
        }
        return rarest;
    }

    /// <summary>
    /// Document counts of tokens, read from the fts5vocab table and remembered for a while. fts5vocab
    /// counts by walking the token's whole list of documents (a few ms for a word in every post), and
    /// an IDF a few minutes old ranks as well as a fresh one: a word's share of the site barely moves.
    /// Counts are kept per database file (tests and tools open several).
    /// </summary>
    private sealed class Vocabulary(nint db) : IDisposable
    {
        private static readonly TimeSpan KeptFor = TimeSpan.FromMinutes(5);
        private const int MaxRemembered = 20_000;
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Documents, long Until)> Remembered = new();

        private readonly string? database = DatabaseName(db);
        private nint lookup;

        public long Documents(ReadOnlySpan<byte> token)
        {
            var key = database is null ? null : database + "\n" + System.Text.Encoding.UTF8.GetString(token);
            var now = Environment.TickCount64;
            if (key is not null && Remembered.TryGetValue(key, out var known) && known.Until > now) return known.Documents;
            if (lookup == 0)
            {
                nint statement;
                fixed (byte* sql = LookupSql)
                    if (sqlite3_prepare_v2(db, sql, -1, &statement, 0) != SqliteOk) return -1;
                lookup = statement;
            }
            // (reset reports the previous step's error, which was handled when it happened)
            _ = sqlite3_reset(lookup);
            fixed (byte* text = token)
            {
                // SQLITE_TRANSIENT (-1): SQLite copies the token.
                if (sqlite3_bind_text(lookup, 1, text, token.Length, -1) != SqliteOk) return -1;
            }
            var step = sqlite3_step(lookup);
            // A token missing from the vocabulary is in no row (it cannot be, since this row matched);
            // count it as one so the IDF stays finite.
            var documents = step == SqliteRow ? Math.Max(1, sqlite3_column_int64(lookup, 0)) : step == SqliteDone ? 1 : -1;
            if (documents < 0 || key is null) return documents;
            if (Remembered.Count >= MaxRemembered) Remembered.Clear();
            Remembered[key] = (documents, now + (long)KeptFor.TotalMilliseconds);
            return documents;
        }

        public void Dispose()
        {
            if (lookup != 0) _ = sqlite3_finalize(lookup);
            lookup = 0;
        }

        /// <summary>The database's file; null for an in-memory one, whose counts are not remembered.</summary>
        private static string? DatabaseName(nint db)
        {
            fixed (byte* main = "main\0"u8)
            {
                var name = sqlite3_db_filename(db, main);
                return name == null || *name == 0 ? null : Marshal.PtrToStringUTF8((nint)name);
            }
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int CountRow(Fts5ExtensionApi* api, nint fts, void* count)
    {
        (*(long*)count)++;
        return SqliteOk;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void FreeQueryData(void* data) => NativeMemory.Free(data);

    /// <summary><c>struct fts5_api</c> (fts5.h): only the members up to <c>xCreateFunction</c> are used.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Fts5ApiTable
    {
        public int Version;
        public nint CreateTokenizer;
        public delegate* unmanaged[Cdecl]<Fts5ApiTable*, byte*, void**, Fts5Tokenizer*, int> FindTokenizer;
        public delegate* unmanaged[Cdecl]<Fts5ApiTable*, byte*, void*, delegate* unmanaged[Cdecl]<Fts5ExtensionApi*, nint, nint, int, nint*, void>, delegate* unmanaged[Cdecl]<void*, void>, int> CreateFunction;
    }

    /// <summary><c>struct fts5_tokenizer</c> (fts5.h, version 1: what xFindTokenizer fills in).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Fts5Tokenizer
    {
        public delegate* unmanaged[Cdecl]<void*, byte**, int, nint*, int> Create;
        public delegate* unmanaged[Cdecl]<nint, void> Delete;
        public delegate* unmanaged[Cdecl]<nint, void*, int, byte*, int, delegate* unmanaged[Cdecl]<void*, int, byte*, int, int, int, int>, int> Tokenize;
    }

    /// <summary><c>struct Fts5ExtensionApi</c> (fts5.h), in its order; members this function does not call are plain pointers.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Fts5ExtensionApi
    {
        public int Version;
        public delegate* unmanaged[Cdecl]<nint, nint> UserData;
        public delegate* unmanaged[Cdecl]<nint, int> ColumnCount;
        public delegate* unmanaged[Cdecl]<nint, long*, int> RowCount;
        public delegate* unmanaged[Cdecl]<nint, int, long*, int> ColumnTotalSize;
        public nint Tokenize;
        public delegate* unmanaged[Cdecl]<nint, int> PhraseCount;
        public delegate* unmanaged[Cdecl]<nint, int, int> PhraseSize;
        public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int*, int> InstCount;
        public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int*, int*, int*, int> Inst;
        public nint Rowid;
        public nint ColumnText;
        public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int*, int> ColumnSize;
        public delegate* unmanaged[Cdecl]<nint, int, void*, delegate* unmanaged[Cdecl]<Fts5ExtensionApi*, nint, void*, int>, int> QueryPhrase;
        public delegate* unmanaged[Cdecl]<nint, void*, delegate* unmanaged[Cdecl]<void*, void>, int> SetAuxdata;
        public delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, void*> GetAuxdata;
        public nint PhraseFirst;
        public nint PhraseNext;
        public nint PhraseFirstColumn;
        public nint PhraseNextColumn;
        // Version 3 and later:
        public delegate* unmanaged[Cdecl]<nint, int, int, byte**, int*, int> QueryToken;
    }

    [LibraryImport(Library)]
    private static partial int sqlite3_prepare_v2(nint db, byte* sql, int bytes, nint* statement, nint tail);

    [LibraryImport(Library)]
    private static partial int sqlite3_bind_pointer(nint statement, int index, void* pointer, byte* type, nint destructor);

    [LibraryImport(Library)]
    private static partial int sqlite3_bind_text(nint statement, int index, byte* text, int bytes, nint destructor);

    [LibraryImport(Library)]
    private static partial int sqlite3_step(nint statement);

    [LibraryImport(Library)]
    private static partial int sqlite3_reset(nint statement);

    [LibraryImport(Library)]
    private static partial int sqlite3_finalize(nint statement);

    [LibraryImport(Library)]
    private static partial long sqlite3_column_int64(nint statement, int column);

    [LibraryImport(Library)]
    private static partial byte* sqlite3_db_filename(nint db, byte* schema);

    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial void sqlite3_result_double(nint context, double value);

    [LibraryImport(Library)]
    private static partial void sqlite3_result_error_code(nint context, int code);

    [LibraryImport(Library)]
    private static partial double sqlite3_value_double(nint value);

    [LibraryImport(Library)]
    private static partial long sqlite3_value_int64(nint value);
}
