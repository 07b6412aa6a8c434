using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Broadsheet.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Search (see Features/Search/SqliteSearchIndex.cs): one row per record in search_documents,
            // which is the external content of the FTS5 index search_fts, kept in step by triggers.
            migrationBuilder.Sql("""
                CREATE TABLE search_documents (
                    id INTEGER PRIMARY KEY,
                    source TEXT NOT NULL,
                    record_id INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    is_public INTEGER NOT NULL,
                    published_at TEXT NULL,
                    year INTEGER NULL,
                    tag_slugs TEXT NOT NULL,
                    url TEXT NULL,
                    title TEXT NOT NULL,
                    tags TEXT NOT NULL,
                    authors TEXT NOT NULL,
                    -- Last: a long body spills into overflow pages, and the filter columns above are
                    -- read for every match while ranking; SQLite reads a row's columns in order.
                    body TEXT NOT NULL,
                    UNIQUE (source, record_id)
                );
                """);
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE search_fts USING fts5(
                    title, body, tags, authors,
                    content = 'search_documents', content_rowid = 'id',
                    tokenize = 'porter unicode61 remove_diacritics 2'
                );
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER search_documents_insert AFTER INSERT ON search_documents BEGIN
                    INSERT INTO search_fts (rowid, title, body, tags, authors) VALUES (new.id, new.title, new.body, new.tags, new.authors);
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER search_documents_delete AFTER DELETE ON search_documents BEGIN
                    INSERT INTO search_fts (search_fts, rowid, title, body, tags, authors) VALUES ('delete', old.id, old.title, old.body, old.tags, old.authors);
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER search_documents_update AFTER UPDATE OF title, body, tags, authors ON search_documents BEGIN
                    INSERT INTO search_fts (search_fts, rowid, title, body, tags, authors) VALUES ('delete', old.id, old.title, old.body, old.tags, old.authors);
                    INSERT INTO search_fts (rowid, title, body, tags, authors) VALUES (new.id, new.title, new.body, new.tags, new.authors);
                END;
                """);
            // A deleted post leaves the index in the same transaction, however it was deleted (ExecuteDelete too);
            // a post whose status or date changes behind EF's back (ExecuteUpdate) is public or not accordingly.
            migrationBuilder.Sql("""
                CREATE TRIGGER posts_search_delete AFTER DELETE ON "Posts" BEGIN
                    DELETE FROM search_documents WHERE source = 'post' AND record_id = old."Id";
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER posts_search_visibility AFTER UPDATE OF "Status", "PublishedAt", "ArchiveMonth" ON "Posts" BEGIN
                    UPDATE search_documents
                    SET is_public = new."Status" IN (1, 2), published_at = new."PublishedAt", year = new."ArchiveMonth" / 100
                    WHERE source = 'post' AND record_id = new."Id";
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS posts_search_visibility;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS posts_search_delete;");
            migrationBuilder.Sql("DROP TABLE IF EXISTS search_fts;");
            migrationBuilder.Sql("DROP TABLE IF EXISTS search_documents;");
        }
    }
}
