"""What the gateway itself tells people when it refuses, in one place.

Each refusal carries a stable `code` that machines match on and a Chinese
`message` that the portal shows as it is: `{"detail": {"code", "message"}}`.
A code never changes once published; its words may.
"""
from fastapi import HTTPException

MESSAGES = {
    "not_authenticated": "尚未登录，请先登录。",
    "bad_credentials": "用户名或密码错误。",
    "token_invalid": "登录已失效，请重新登录。",
    "token_idle": "长时间未操作，登录已失效，请重新登录。",
    "api_key_invalid": "接口密钥无效、已吊销或已过期。",
    "api_key_read_only": "该接口密钥为只读，不能提交或修改数据。",
    "user_disabled": "该账号已停用，请联系督查办。",
    "password_change_required": "密码已由管理员重置，请先修改密码后再继续操作。",
    "sign_in_locked": "登录失败次数过多，请 {seconds} 秒后再试。",
    "admin_only": "仅督查办管理员可执行此操作。",
    "evaluators_only": "仅评价人和督查办可执行此操作。",
    "city_wide_only": "仅督查办和领导可查看。",
    "notice_unit_only": "督办单只能由被督办单位的联络员或督查办签收和回复。",
    "read_only_role": "“{role}”角色只能查看，不能提交或修改数据。",
    "no_password_for_key": "接口密钥没有密码。",
    "current_password_wrong": "当前密码不正确。",
    "user_not_found": "用户“{username}”不存在。",
    "user_exists": "用户“{username}”已存在。",
    "unit_needed": "“{role}”角色须指定所属单位。",
    "unknown_units": "以下单位编码不存在：{units}。",
    "last_admin": "不能停用或降级最后一名可用的管理员。",
    "api_key_not_found": "接口密钥 {key_id} 不存在。",
    "api_key_exists": "接口密钥“{name}”已存在。",
    "api_key_revoked": "接口密钥 {key_id} 已吊销，不能轮换。",
    "expiry_in_past": "到期时间须晚于现在。",
    "sheet_unreadable": ("无法读取这个文件：请上传 Excel 工作簿（.xlsx），"
                         "不要上传 .xls、.csv 或加密的文件。"),
    "sheet_too_large": "这个工作簿解压后超过 {limit} MiB，请删去多余的工作表或图片后重新上传。",
    "sheet_too_many_rows": "一次最多导入 {limit} 行，请分批导入。",
    "lead_unit_only": ("任务 {task} 的整体进度、销号、说明情况和13710节点只能由牵头单位 {lead} "
                       "或督查办办理。"),
}


def message(code: str, **params) -> dict:
    """The `detail` of a refusal: its code and its Chinese words."""
    return {"code": code, "message": MESSAGES[code].format(**params)}


def refusal(status: int, code: str, headers: dict | None = None, **params) -> HTTPException:
    """An HTTPException whose detail is `message(code, **params)`."""
    return HTTPException(status, message(code, **params), headers=headers)
