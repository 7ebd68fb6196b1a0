namespace Tongban.Provinces.Zhejiang;

/// <summary>The gateway's service codes (zhejiang.md), one place for the names.</summary>
public static class ZhejiangServiceCodes
{
    public const string ResidentVerify = "zj.gaj.rkxx.verify";
    public const string MaritalStatusQuery = "zj.mzt.hyzk.query";
    public const string MarriageRegister = "zj.mzt.hydj.register";
    public const string MaritalStatusUpdate = "zj.mzt.hyzk.update";
    public const string BirthVerify = "zj.wjw.csyxzm.verify";
    public const string BirthMarkUsed = "zj.wjw.csyxzm.use";
    public const string BirthRelease = "zj.wjw.csyxzm.release";
    public const string NewbornApply = "zj.gaj.xsedj.apply";
    public const string StudentQuery = "zj.jyt.xj.query";
    public const string TransferOutApply = "zj.jyt.zc.apply";
    public const string StudentEnroll = "zj.jyt.rx.register";
    public const string TransferOutConfirm = "zj.jyt.zc.confirm";
    public const string TransferOutCancel = "zj.jyt.zc.cancel";
    public const string TicketQuery = "zj.common.ticket.query";
}
