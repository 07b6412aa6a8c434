using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Broadsheet.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ArchiveCountsIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Posts_Kind_Status_PublishedAt",
                table: "Posts");

            migrationBuilder.CreateIndex(
                name: "IX_Posts_Kind_Status_PublishedAt_ArchiveMonth",
                table: "Posts",
                columns: new[] { "Kind", "Status", "PublishedAt", "ArchiveMonth" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Posts_Kind_Status_PublishedAt_ArchiveMonth",
                table: "Posts");

            migrationBuilder.CreateIndex(
                name: "IX_Posts_Kind_Status_PublishedAt",
                table: "Posts",
                columns: new[] { "Kind", "Status", "PublishedAt" });
        }
    }
}
