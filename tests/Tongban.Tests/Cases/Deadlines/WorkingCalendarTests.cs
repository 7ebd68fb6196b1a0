using Tongban.Cases.Deadlines;
using Tongban.Configuration;

namespace Tongban.Tests.Cases.Deadlines;

/// <summary>Issue 16: working days follow the official calendar (dates taken from cn-official-days.csv, 2025 and 2026).</summary>
public class WorkingCalendarTests
{
    private readonly WorkingCalendar calendar = WorkingCalendar.Official;

    private static DateOnly D(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void The_embedded_data_covers_2024_to_2026() =>
        Assert.Equal([2024, 2025, 2026], calendar.CoveredYears);

    [Fact]
    public void The_embedded_data_holds_every_row_of_the_file() => Assert.Equal(108, calendar.OfficialDayCount);

    [Theory]
    [InlineData("2025-01-28")] // Tuesday, Spring Festival
    [InlineData("2025-02-04")] // Tuesday, Spring Festival
    [InlineData("2025-10-06")] // Monday, Mid-autumn inside National Day
    [InlineData("2025-10-08")] // Wednesday, National Day
    [InlineData("2026-02-16")] // Monday, Spring Festival
    [InlineData("2026-02-23")] // Monday, Spring Festival
    [InlineData("2026-10-07")] // Wednesday, National Day
    [InlineData("2025-03-08")] // an ordinary Saturday
    [InlineData("2026-03-08")] // an ordinary Sunday
    public void Holidays_and_ordinary_weekends_are_not_working_days(string date) => Assert.False(calendar.IsWorkingDay(D(date)));

    [Theory]
    [InlineData("2025-01-26")] // Sunday, Spring Festival make-up day
    [InlineData("2025-02-08")] // Saturday, Spring Festival make-up day
    [InlineData("2025-09-28")] // Sunday, National Day make-up day
    [InlineData("2025-10-11")] // Saturday, National Day make-up day
    [InlineData("2026-02-14")] // Saturday, Spring Festival make-up day
    [InlineData("2026-02-28")] // Saturday, Spring Festival make-up day
    [InlineData("2026-10-10")] // Saturday, National Day make-up day
    [InlineData("2025-03-10")] // an ordinary Monday
    public void Make_up_days_and_ordinary_weekdays_are_working_days(string date) => Assert.True(calendar.IsWorkingDay(D(date)));

    [Theory]
    [InlineData("2025-01-27", 1, "2025-02-05")] // over the whole Spring Festival
    [InlineData("2025-09-26", 1, "2025-09-28")] // Friday to the make-up Sunday
    [InlineData("2026-09-30", 5, "2026-10-13")] // over National Day, counting the make-up Saturday 10-10
    [InlineData("2026-02-13", 5, "2026-02-27")] // make-up Saturday 02-14, then Spring Festival
    [InlineData("2025-03-10", 0, "2025-03-10")]
    public void Adds_working_days(string from, int count, string expected) =>
        Assert.Equal(D(expected), calendar.AddWorkingDays(D(from), count));

    [Theory]
    [InlineData("2026-02-13", "2026-02-27", 5)]
    [InlineData("2026-09-30", "2026-10-13", 5)]
    [InlineData("2025-01-27", "2025-02-05", 1)]
    [InlineData("2025-02-05", "2025-01-27", -1)]
    [InlineData("2025-03-10", "2025-03-10", 0)]
    public void Counts_working_days_between(string from, string to, int expected) =>
        Assert.Equal(expected, calendar.WorkingDaysBetween(D(from), D(to)));

    [Fact]
    public void A_year_without_data_is_not_covered()
    {
        Assert.False(calendar.Covers(D("2027-01-04")));
        Assert.False(calendar.Covers(D("2026-12-30"), D("2027-01-04")));
        Assert.True(calendar.Covers(D("2025-12-30"), D("2026-01-04")));
    }

    [Fact]
    public void Configuration_adds_a_year_and_overrides_a_date()
    {
        var configured = WorkingCalendar.From(new CalendarOptions
        {
            Days = { ["2027-01-01"] = "holiday", ["2027-02-06"] = "workday", ["2025-03-10"] = "holiday" },
        }.Days);

        Assert.Equal([2024, 2025, 2026, 2027], configured.CoveredYears);
        Assert.False(configured.IsWorkingDay(D("2027-01-01"))); // a Friday
        Assert.True(configured.IsWorkingDay(D("2027-02-06"))); // a Saturday
        Assert.False(configured.IsWorkingDay(D("2025-03-10")));
        Assert.True(calendar.IsWorkingDay(D("2025-03-10"))); // the shared official calendar is unchanged
    }

    [Fact]
    public void A_malformed_configured_day_is_refused_naming_its_key()
    {
        var options = new CalendarOptions { Days = { ["2027-13-01"] = "holiday", ["2027-01-01"] = "rest" } };
        Assert.Equal(
            ["Tongban:Calendar:Days:2027-13-01 (the key must be a date, yyyy-MM-dd)", "Tongban:Calendar:Days:2027-01-01 (must be holiday or workday)"],
            options.Problems());
    }
}
