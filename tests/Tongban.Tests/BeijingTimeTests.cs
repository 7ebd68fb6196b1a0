using Microsoft.Extensions.Time.Testing;

namespace Tongban.Tests;

/// <summary>Beijing is UTC+8 all year: its date turns at 16:00 UTC, and a Beijing day runs from 16:00 UTC to 16:00 UTC.</summary>
public class BeijingTimeTests
{
    [Fact]
    public void The_date_turns_at_16_00_UTC()
    {
        Assert.Equal(new DateOnly(2026, 3, 14), BeijingTime.DateOf(new DateTimeOffset(2026, 3, 14, 15, 59, 59, TimeSpan.Zero)));
        Assert.Equal(new DateOnly(2026, 3, 15), BeijingTime.DateOf(new DateTimeOffset(2026, 3, 14, 16, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void The_date_of_an_instant_does_not_depend_on_the_offset_it_is_written_in()
    {
        var instant = new DateTimeOffset(2026, 12, 31, 16, 30, 0, TimeSpan.Zero);
        Assert.Equal(new DateOnly(2027, 1, 1), BeijingTime.DateOf(instant.ToOffset(TimeSpan.FromHours(-5))));
    }

    [Fact]
    public void Today_follows_the_time_provider_across_16_00_UTC()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 30, 15, 59, 0, TimeSpan.Zero));
        Assert.Equal(new DateOnly(2026, 6, 30), BeijingTime.Today(time));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(new DateOnly(2026, 7, 1), BeijingTime.Today(time));
    }

    [Fact]
    public void Today_refuses_a_missing_time_provider() =>
        Assert.Throws<ArgumentNullException>(() => BeijingTime.Today(null!));

    [Fact]
    public void A_UTC_clock_reading_turns_at_16_00_as_an_instant_does()
    {
        Assert.Equal(new DateOnly(2026, 2, 28), BeijingTime.DateOfUtc(new DateTime(2026, 2, 28, 15, 59, 59, DateTimeKind.Utc)));
        Assert.Equal(new DateOnly(2026, 3, 1), BeijingTime.DateOfUtc(new DateTime(2026, 2, 28, 16, 0, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void ToBeijing_keeps_the_instant_and_shows_Beijing_clock_time()
    {
        var instant = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var beijing = BeijingTime.ToBeijing(instant);
        Assert.Equal(instant, beijing);
        Assert.Equal((TimeSpan.FromHours(8), 8), (beijing.Offset, beijing.Hour));
    }

    [Fact]
    public void A_Beijing_wall_clock_time_is_eight_hours_ahead_of_UTC_whatever_its_kind()
    {
        var expected = new DateTimeOffset(2026, 5, 1, 1, 30, 0, TimeSpan.Zero);
        Assert.Equal(expected, BeijingTime.At(new DateTime(2026, 5, 1, 9, 30, 0, DateTimeKind.Unspecified)));
        Assert.Equal(expected, BeijingTime.At(new DateTime(2026, 5, 1, 9, 30, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void A_Beijing_day_runs_from_16_00_UTC_the_day_before_to_16_00_UTC()
    {
        var day = new DateOnly(2026, 10, 1);
        Assert.Equal(new DateTimeOffset(2026, 9, 30, 16, 0, 0, TimeSpan.Zero), BeijingTime.StartOfDay(day));
        Assert.Equal(new DateTimeOffset(2026, 10, 1, 16, 0, 0, TimeSpan.Zero), BeijingTime.EndOfDay(day));
        Assert.Equal(day, BeijingTime.DateOf(BeijingTime.StartOfDay(day)));
        Assert.Equal(day.AddDays(1), BeijingTime.DateOf(BeijingTime.EndOfDay(day)));
    }
}
