namespace Tongban.Security;

/// <summary>How an ID number appears in any response or log: the first 6 and last 4 characters, the rest '*'.</summary>
public static class IdNumberMask
{
    /// <summary>Below this length, showing 10 characters would show (nearly) all of it: everything is masked.</summary>
    private const int ShortestPartlyShown = 15;

    public static string Mask(string? idNumber)
    {
        if (string.IsNullOrEmpty(idNumber)) return string.Empty;
        if (idNumber.Length < ShortestPartlyShown) return new string('*', idNumber.Length);
        return string.Concat(idNumber.AsSpan(0, 6), new string('*', idNumber.Length - 10), idNumber.AsSpan(idNumber.Length - 4));
    }
}
