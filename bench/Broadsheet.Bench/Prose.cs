namespace Broadsheet.Bench;

/// <summary>The words of the generated site: a tenants' union writing about its estates (our own text).</summary>
internal static class Prose
{
    public static readonly string[] Authors =
    [
        "The Committee", "Maria Lindqvist", "Joe Adebayo", "Priya Raman", "Tomasz Nowak", "Aileen Doherty", "Kwame Mensah", "Hannah Roth",
    ];

    public static readonly string[] Tags =
    [
        "news", "repairs", "rent", "meetings", "statements", "housing", "damp and mould", "councillors", "evictions",
        "regeneration", "heating", "legal", "events", "newsletter", "Riverside estate", "Hill Street flats", "Oakfield",
        "campaigns", "solidarity", "youth", "elders", "winter", "safety", "lifts", "caretakers", "press",
    ];

    private static readonly string[] Openings =
    [
        "Report from", "Notes on", "Why we oppose", "What next for", "A victory on", "Update:", "Questions about",
        "Join us for", "Statement on", "Letter to the council about", "Photos from", "The truth about", "Our reply on",
        "Ten facts about", "A week of", "Minutes of", "How to win on", "Residents speak on", "Deadline for",
    ];

    private static readonly string[] Subjects =
    [
        "the rent rise", "Block C's lifts", "the damp survey", "the Riverside ballot", "winter heating", "the caretaker cuts",
        "Saturday's meeting", "the new tenancy terms", "the repairs backlog", "the Oakfield demolition plan", "service charges",
        "the playground", "fire doors", "the housing committee", "our petition", "the legal clinic", "the eviction at Hill Street",
        "the estate fair", "the boiler replacements", "the landlord's consultation", "the community hall", "bin collections",
    ];

    private static readonly string[] Endings =
    [
        "", "", "", " in March", " this autumn", " at last", ": what residents told us", " — and what you can do",
        " (updated)", ", part two", " before the vote", " after the storm",
    ];

    private static readonly string[] Paragraphs =
    [
        "More than eighty tenants crowded into the community hall on Thursday evening, some standing at the back with coats still on, to hear what the council's housing officers had to say about the **repairs backlog**. Their answer, in short, was that there is no money. Ours was that there never seems to be money for us, and always money for consultants.",
        "The survey we carried out over three weekends in January found damp or mould in one flat out of every three on the Riverside estate. In the worst cases families have moved their children's beds into the living room. We have sent the full results, street by street, to the council and to the local paper.",
        "If you have had a letter about the new tenancy terms, please do not sign it yet. Bring it to the Tuesday drop-in at the hall, between six and eight, where volunteers from the legal clinic can go through it with you line by line. You are not obliged to agree to anything on the spot.",
        "Our petition now has *1,412 signatures*, collected door to door by twenty volunteers. We will hand it in at the full council meeting on the fourteenth and we would like as many of you as possible to be there with us. Meet at the clock tower at half past five.",
        "A lift in Block C has been out of action for nineteen days. For the woman on the eleventh floor who uses a wheelchair, that means nineteen days without leaving her flat. The landlord says a part is on order. We say that a building with one working lift should never have been left like this.",
        "Thank you to everyone who came to the estate fair on Sunday. The children's races went on until the light failed, the cake stall sold out by three, and we signed up forty-six new members, our best day since the union began.",
        "> We are not asking for favours. We are asking for the repairs we pay for in our rent every single week.\n\nThose were the words of Mrs Okoro, who has lived on Hill Street for thirty-one years, when she spoke at the housing committee. The room went quiet after she sat down.",
        "What we are asking for:\n\n- every outstanding repair logged and dated, with a public list;\n- a freeze on service charges until the heating works;\n- a tenants' seat on the regeneration board;\n- no demolition without a ballot of the residents who live there.",
        "The heating on the Oakfield side failed again on the coldest night of the year. Caretakers did what they could with fan heaters, but three hundred households were cold until the middle of the next afternoon. We have asked, again, for the boiler replacement to be brought forward.",
        "Some of you asked why the committee backed the ballot rather than a straight vote against the plan. The honest answer is that a ballot binds the council, and a vote at a meeting does not. We explain the reasoning in full in [our briefing note](/about) and we are happy to talk it over at any meeting.",
        "## What happens next\n\nThe council has promised a written answer within twenty-eight days. We will publish it here in full as soon as it arrives, with our response alongside it, and we will call an open meeting so that every tenant can have their say on it.",
        "Our caretakers are part of this estate as much as any of us. The plan to cut their hours by a third would leave the stairwells uncleaned and the bins overflowing, and it would leave six families short of a living wage. We stand with them, and so should the council.",
        "The youth group has painted the underpass by the shops, with permission for once, and it looks wonderful. If you walk that way, stop and look at the river scene at the far end: it was designed by two sisters from the fourth floor of Block A.",
        "A reminder that the union is run entirely by volunteers and paid for entirely by its members. Dues are two pounds a month, or fifty pence if you are out of work. If you can give an hour a week to knock on doors, we can use it.",
        "The eviction notice served on a family in Hill Street last week has been withdrawn after forty of us turned up at the housing office at nine in the morning. It shows again what we can do when we act together and act quickly.",
        "Minutes in brief: the treasurer reported a balance of £2,310; the repairs group will meet fortnightly; the social committee will organise a winter lunch for older residents; and the meeting agreed to write to both local councillors before the budget vote.",
        "We have been told, off the record, that the regeneration scheme will be *phased over twelve years*. Nobody has yet explained where the tenants of the first phase will live while their homes are rebuilt, or whether they will be able to afford to come back.",
        "Bring a neighbour. Bring your questions. Bring the letters you do not understand. Tea, coffee and biscuits are on the union; the children's corner will be open from half past six.",
    ];

    private static readonly string[] Excerpts =
    [
        "Tenants packed the hall to hear the council's answer on repairs.",
        "Our survey of damp and mould across the estate, street by street.",
        "Why you should not sign the new tenancy terms yet.",
        "A win for the families on Hill Street.",
        "The heating failed again; this is what we are asking for.",
    ];

    public static string Title(Random random) =>
        $"{Openings[random.Next(Openings.Length)]} {Subjects[random.Next(Subjects.Length)]}{Endings[random.Next(Endings.Length)]}";

    public static string Excerpt(Random random) => Excerpts[random.Next(Excerpts.Length)];

    /// <summary>Three to six paragraphs; about half with a "read more" break after the first one or two.</summary>
    public static string Body(Random random)
    {
        var count = 3 + random.Next(4);
        var chosen = Enumerable.Range(0, Paragraphs.Length).OrderBy(_ => random.Next()).Take(count).Select(i => Paragraphs[i]).ToList();
        if (random.Next(2) == 0) chosen.Insert(1 + random.Next(2), "<!--more-->");
        return string.Join("\n\n", chosen);
    }
}
